"""The cache boundary for the dataset viewer and the `datasets` streaming fallback (like `lib.ui.hub_cache`).

`st.cache_resource` holds one `ViewerClient` per settings key; `st.cache_data` holds answers for a few minutes,
keyed by that key, the dataset (and its commit, so a new commit asks again), config and split. The key names the
viewer endpoint, the Hub endpoint, the timeout and a short fingerprint of the token, never the token itself.
Errors are never cached, so Retry asks again.
"""

from __future__ import annotations

import streamlit as st

from lib import datasets_preview
from lib.hub.viewer import ConfigInfo, FirstRows, SplitRef, SplitStatistics, ViewerClient, ViewerOverview
from lib.settings import Settings
from lib.ui import hub_cache


@st.cache_resource(show_spinner=False)
def _client(key: str, _settings: Settings) -> ViewerClient:
    return ViewerClient(_settings)


def client() -> ViewerClient:
    s = hub_cache.settings()
    return _client(hub_cache.settings_key(s), s)


def key() -> str:
    return hub_cache.settings_key(hub_cache.settings())


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _overview(key: str, dataset: str, sha: str | None) -> ViewerOverview:
    return client().overview(dataset)


def overview(dataset: str, sha: str | None = None) -> ViewerOverview:
    return _overview(key(), dataset, sha)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _info(key: str, dataset: str, config: str, sha: str | None) -> ConfigInfo:
    return client().info(dataset, config)


def info(dataset: str, config: str, sha: str | None = None) -> ConfigInfo:
    return _info(key(), dataset, config, sha)


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def _first_rows(key: str, dataset: str, config: str, split: str, sha: str | None) -> FirstRows:
    return datasets_preview.first_rows(client(), dataset, config, split)


def first_rows(dataset: str, config: str, split: str, sha: str | None = None) -> FirstRows:
    """The viewer's first rows, else rows streamed with `datasets` (`FirstRows.source` says which)."""
    return _first_rows(key(), dataset, config, split, sha)


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def _statistics(key: str, dataset: str, config: str, split: str, sha: str | None) -> SplitStatistics:
    return client().statistics(dataset, config, split)


def statistics(dataset: str, config: str, split: str, sha: str | None = None) -> SplitStatistics:
    return _statistics(key(), dataset, config, split, sha)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _stream_splits(key: str, dataset: str, sha: str | None) -> tuple[SplitRef, ...]:
    return datasets_preview.stream_splits(client().settings, dataset)


def stream_splits(dataset: str, sha: str | None = None) -> tuple[SplitRef, ...]:
    """Configs and splits as the `datasets` library finds them (when the viewer has none)."""
    return _stream_splits(key(), dataset, sha)
