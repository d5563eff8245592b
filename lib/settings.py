"""Every environment variable the app and its CLIs read, in one place (`VARIABLES`; the README's settings table
lists exactly these, and a test keeps it so). Nothing else in `lib/`, `pages/` or the CLIs reads the environment.

| setting             | meaning                                                        | default                    |
|---------------------|----------------------------------------------------------------|----------------------------|
| `HF_ENDPOINT`       | the Hub to talk to (a fake Hub in tests, a mirror, ...)        | `https://huggingface.co`   |
| `HF_TOKEN`          | access token for gated/private repos (also Streamlit secrets)  | none (huggingface_hub's own login is used if present) |
| `HUB_EXPLORER_HOME` | the app's own folder (catalog, saved searches)                 | `$XDG_CACHE_HOME/hub-explorer` or `~/.cache/hub-explorer` |
| `HUB_EXPLORER_TIMEOUT` | seconds any Hub call may take before it is "slow to answer" | `10`                       |
| `HUB_EXPLORER_TRYIT_BUDGET_MB` | megabytes of loaded try-it pipelines kept together | half of the RAM            |
| `HUB_EXPLORER_INFERENCE_TIMEOUT` | seconds a remote run (endpoint, provider) may take | `120`                     |
| `HUB_EXPLORER_VIEWER_ENDPOINT` | the dataset viewer API (rows, splits, statistics)  | `https://datasets-server.huggingface.co` |
| `HUB_EXPLORER_DATABASE_URL` | PostgreSQL for shortlists and saved searches (`postgresql://...`) | `<home>/hub-explorer.sqlite3` |
| `HUB_EXPLORER_EMBEDDING_MODEL` | the catalog's meaning-search model: a model2vec model or a sentence-transformers model (distilled) | the packaged all-MiniLM-L6-v2, distilled |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_VIEWER_ENDPOINT = "https://datasets-server.huggingface.co"
DEFAULT_TIMEOUT = 10.0
DEFAULT_INFERENCE_TIMEOUT = 120.0

#: The environment variables read by the app and its CLIs (all of them, here only).
VARIABLES: tuple[str, ...] = (
    "HF_ENDPOINT",
    "HF_TOKEN",
    "HUB_EXPLORER_HOME",
    "HUB_EXPLORER_TIMEOUT",
    "HUB_EXPLORER_TRYIT_BUDGET_MB",
    "HUB_EXPLORER_INFERENCE_TIMEOUT",
    "HUB_EXPLORER_VIEWER_ENDPOINT",
    "HUB_EXPLORER_DATABASE_URL",
    "HUB_EXPLORER_EMBEDDING_MODEL",
)


def default_home() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "hub-explorer"


@dataclass(frozen=True)
class Settings:
    endpoint: str = DEFAULT_ENDPOINT
    token: str | None = field(default=None, repr=False)  # never printed
    home: Path = field(default_factory=default_home)
    timeout: float = DEFAULT_TIMEOUT
    viewer_endpoint: str = DEFAULT_VIEWER_ENDPOINT
    tryit_budget_mb: float | None = None  # None: half of this machine's RAM
    inference_timeout: float = DEFAULT_INFERENCE_TIMEOUT
    database_url: str | None = field(default=None, repr=False)  # None: a SQLite file in `home`; may hold a password
    embedding_model: str | None = None  # None: the packaged all-MiniLM-L6-v2, distilled (lib.catalog.embedder)

    @property
    def has_token(self) -> bool:
        return bool(self.token)

    @property
    def is_default_endpoint(self) -> bool:
        return self.endpoint.rstrip("/") == DEFAULT_ENDPOINT


def _positive(raw: str | None, default: float) -> float:
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def load_settings(secrets: dict[str, str] | None = None) -> Settings:
    """Settings from the environment; `secrets` (Streamlit's) may supply the token when the env does not."""
    env = os.environ
    token = env.get("HF_TOKEN") or (secrets or {}).get("HF_TOKEN") or None
    home = Path(env["HUB_EXPLORER_HOME"]).expanduser() if env.get("HUB_EXPLORER_HOME") else default_home()
    try:
        budget = max(0.0, float(env["HUB_EXPLORER_TRYIT_BUDGET_MB"])) if env.get("HUB_EXPLORER_TRYIT_BUDGET_MB") else None
    except ValueError:
        budget = None
    return Settings(
        endpoint=(env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
        token=token,
        home=home,
        timeout=_positive(env.get("HUB_EXPLORER_TIMEOUT"), DEFAULT_TIMEOUT),
        viewer_endpoint=(env.get("HUB_EXPLORER_VIEWER_ENDPOINT") or DEFAULT_VIEWER_ENDPOINT).rstrip("/"),
        tryit_budget_mb=budget,
        inference_timeout=_positive(env.get("HUB_EXPLORER_INFERENCE_TIMEOUT"), DEFAULT_INFERENCE_TIMEOUT),
        database_url=(env.get("HUB_EXPLORER_DATABASE_URL") or "").strip() or None,
        embedding_model=(env.get("HUB_EXPLORER_EMBEDDING_MODEL") or "").strip() or None,
    )
