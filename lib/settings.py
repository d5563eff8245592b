"""Where answers come from and where the app keeps its files, read from the environment.

| setting             | meaning                                                        | default                    |
|---------------------|----------------------------------------------------------------|----------------------------|
| `HF_ENDPOINT`       | the Hub to talk to (a fake Hub in tests, a mirror, ...)        | `https://huggingface.co`   |
| `HF_TOKEN`          | access token for gated/private repos (also Streamlit secrets)  | none (huggingface_hub's own login is used if present) |
| `HUB_EXPLORER_HOME` | the app's own folder (catalog, saved searches)                 | `$XDG_CACHE_HOME/hub-explorer` or `~/.cache/hub-explorer` |
| `HUB_EXPLORER_TIMEOUT` | seconds to wait for the Hub before saying it is unreachable | `10`                       |
| `HUB_EXPLORER_VIEWER_ENDPOINT` | the dataset viewer API (rows, splits, statistics)  | `https://datasets-server.huggingface.co` |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_VIEWER_ENDPOINT = "https://datasets-server.huggingface.co"


def default_home() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "hub-explorer"


@dataclass(frozen=True)
class Settings:
    endpoint: str = DEFAULT_ENDPOINT
    token: str | None = field(default=None, repr=False)  # never printed
    home: Path = field(default_factory=default_home)
    timeout: float = 10.0
    viewer_endpoint: str = DEFAULT_VIEWER_ENDPOINT

    @property
    def has_token(self) -> bool:
        return bool(self.token)

    @property
    def is_default_endpoint(self) -> bool:
        return self.endpoint.rstrip("/") == DEFAULT_ENDPOINT


def load_settings(secrets: dict[str, str] | None = None) -> Settings:
    """Settings from the environment; `secrets` (Streamlit's) may supply the token when the env does not."""
    env = os.environ
    token = env.get("HF_TOKEN") or (secrets or {}).get("HF_TOKEN") or None
    try:
        timeout = float(env.get("HUB_EXPLORER_TIMEOUT", "10"))
    except ValueError:
        timeout = 10.0
    home = Path(env["HUB_EXPLORER_HOME"]).expanduser() if env.get("HUB_EXPLORER_HOME") else default_home()
    return Settings(
        endpoint=(env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
        token=token,
        home=home,
        timeout=timeout if timeout > 0 else 10.0,
        viewer_endpoint=(env.get("HUB_EXPLORER_VIEWER_ENDPOINT") or DEFAULT_VIEWER_ENDPOINT).rstrip("/"),
    )
