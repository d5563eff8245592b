"""The cache boundary between pages and the Hub client.

`st.cache_resource` holds one `HubClient` per (endpoint, timeout, token); `st.cache_data` holds answers
for a few minutes. Errors are never cached, so a retry asks again. The token itself is never a cache
key: a short fingerprint of it is.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from lib.hub import Card, HubClient
from lib.hub.http import configure
from lib.query import Kind, SearchQuery, SearchResult
from lib.records import ModelRecord, ParamCounts, RepoRecord
from lib.settings import Settings, load_settings


def _secrets() -> dict[str, str]:
    try:
        return {k: str(v) for k, v in st.secrets.items() if k == "HF_TOKEN"}
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        return {}


def settings() -> Settings:
    """The app's settings; the first call in a server process configures its HTTP client for them (every page
    reads settings before it talks to anything, so this is the process start for the app)."""
    s = load_settings(_secrets())
    configure(s)
    return s


def _token_fp(s: Settings) -> str:
    return hashlib.sha256(s.token.encode()).hexdigest()[:12] if s.token else "-"


def answers_key(s: Settings) -> str:
    """Whose answers they are: the endpoints and a short fingerprint of the token (never the token)."""
    return f"{s.endpoint}|{s.viewer_endpoint}|{_token_fp(s)}"


def settings_key(s: Settings) -> str:
    """What cached answers depend on: endpoints, timeout and a short fingerprint of the token (never the token)."""
    return f"{s.endpoint}|{s.viewer_endpoint}|{s.timeout}|{_token_fp(s)}"


@st.cache_resource(show_spinner=False)
def _client(key: str, _settings: Settings) -> HubClient:
    return HubClient(_settings)


def client() -> HubClient:
    s = settings()
    return _client(settings_key(s), s)


@st.cache_data(ttl=300, max_entries=512, show_spinner=False)
def _search(key: str, query: SearchQuery) -> SearchResult:
    return client().search(query)


def search(query: SearchQuery) -> SearchResult:
    return _search(settings_key(settings()), query)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _info(key: str, kind: Kind, repo_id: str) -> RepoRecord:
    return client().info(kind, repo_id)


def info(kind: Kind, repo_id: str) -> RepoRecord:
    return _info(settings_key(settings()), kind, repo_id)


@st.cache_data(ttl=600, max_entries=128, show_spinner=False)
def _card(key: str, kind: Kind, repo_id: str, sha: str | None) -> Card | None:
    return client().card(kind, repo_id)


def card(kind: Kind, repo_id: str, sha: str | None = None) -> Card | None:
    return _card(settings_key(settings()), kind, repo_id, sha)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _parameters(key: str, _model: ModelRecord, repo_id: str, sha: str | None) -> ParamCounts | None:
    return client().parameters(_model)


def parameters(model: ModelRecord) -> ParamCounts | None:
    return _parameters(settings_key(settings()), model, model.id, model.sha)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _config(key: str, _model: ModelRecord, repo_id: str, sha: str | None) -> dict[str, Any] | None:
    return client().config(_model)


def config(model: ModelRecord) -> dict[str, Any] | None:
    """The model's full config.json (None when it has none)."""
    return _config(settings_key(settings()), model, model.id, model.sha)

# The Hub's health is checked by the sidebar (lib.ui.components.health_check): a good answer kept 30 s, a failure
# never, so a recovered Hub is seen at once.
