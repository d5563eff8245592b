"""Try it's two refusals as guarantees, proved by what happened rather than by what the page says.

* Remote code: a fixture model whose own code (`modeling_evil.py`) leaves a file behind when it is imported. Without
  the consent for that model it never runs: not from the page (even when a Run click arrives while the button is
  disabled, as a forged websocket message would send it; Streamlit 1.67 drops such values server-side, and Run must
  stay disabled for that to protect us), not from `lib.tryit.runner`; its code file is never even downloaded. With the consent it does run (the same file appears), so the fixture is known to be live.
* Oversize: a model over the memory budget is refused before any byte of it is downloaded: the fake Hub sent no
  file of it (the card aside, which the page shows, and the safetensors header that counts its parameters) and the
  download cache holds none, even after such a forced Run click.

The page-level wording of both refusals is in `tests/test_tryit_panel.py`; this file checks the effects.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.tryit.fit import RemoteCodeRefusedError

ROOT = Path(__file__).resolve().parent.parent

EVIL = '''"""A remote-code model for tests: importing this module leaves a file behind."""
import os
from pathlib import Path

from transformers import BertForSequenceClassification

Path(os.environ["HUB_EXPLORER_TEST_SENTINEL"]).write_text("remote code ran")


class EvilForSequenceClassification(BertForSequenceClassification):
    pass
'''


@pytest.fixture(scope="module")
def repos(fake_hub, tmp_path_factory) -> dict[str, str]:
    from tests.tiny_models import build

    root = tmp_path_factory.mktemp("guarantees")
    plain = build("text-classification", root / "plain")
    evil = build("text-classification", root / "evil")
    config = json.loads((evil / "config.json").read_text())
    config["auto_map"] = {"AutoModelForSequenceClassification": "modeling_evil.EvilForSequenceClassification"}
    (evil / "config.json").write_text(json.dumps(config))
    (evil / "modeling_evil.py").write_text(EVIL)
    ids = {"evil": "guarantees/remote-code", "big": "guarantees/oversize"}
    fake_hub.add_local_repo("model", ids["evil"], evil, pipeline_tag="text-classification",
                            tags=["transformers", "custom_code", "text-classification"])
    fake_hub.add_local_repo("model", ids["big"], plain, pipeline_tag="text-classification")
    return ids


@pytest.fixture
def sentinel(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "remote-code-ran"
    monkeypatch.setenv("HUB_EXPLORER_TEST_SENTINEL", str(path))
    return path


def key(repo: str, *parts: str) -> str:
    return ":".join(("tryit", repo, *parts))


def page(repo: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/models.py"), default_timeout=180)
    at.query_params["repo"] = repo
    at.query_params["tab"] = "try"
    return at.run()


def forge_click(button):
    """A click that reaches the server although the button is disabled (a browser does not send one, a forged
    websocket message can; AppTest's own click() refuses, so the widget's value is set underneath)."""
    button._value = True
    return button


def said(at: AppTest) -> str:
    parts = [e.value for kind in ("error", "warning", "markdown", "caption") for e in at.get(kind)]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def files_asked(hub, repo: str) -> list[str]:
    """The files of `repo` the fake Hub sent (GET), its card aside, and the parameter count's header read aside:
    `get_safetensors_metadata` asks for the first 100 kB of a .safetensors file (Range: bytes=0-100000), which is
    how the page knows the model is too big (on the real Hub the info's `safetensors` field usually spares it)."""
    out = []
    for r in hub.requests:
        if r.method != "GET" or not r.path.startswith(f"/{repo}/resolve/") or r.path.endswith("/README.md"):
            continue
        if r.path.endswith(".safetensors") and r.headers.get("range") == "bytes=0-100000":
            continue
        out.append(r.path)
    return out


def cached_files(repo: str) -> list[str]:
    """The files of `repo` in the download cache (its card aside)."""
    import os

    folder = Path(os.environ["HF_HOME"]) / "hub" / f"models--{repo.replace('/', '--')}" / "snapshots"
    return [p.name for p in folder.rglob("*") if p.is_file() and p.name != "README.md"] if folder.exists() else []


def test_remote_code_never_runs_without_the_consent_for_that_model(repos, hub, sentinel):
    repo = repos["evil"]
    hub.clear_requests()
    at = page(repo)
    assert not at.exception
    run = at.button(key=key(repo, "run"))
    assert run.disabled and "Needs remote code" in said(at)
    forge_click(run).run()
    assert not at.exception
    assert not sentinel.exists(), "the model's own code ran without consent"
    assert not any(p.endswith("modeling_evil.py") for p in files_asked(hub, repo)), "its code was downloaded"
    assert key(repo, "last") not in at.session_state

    from lib.tryit import runner
    from lib.tryit.cache import PipelineCache

    try:  # transformers refuses the model, or loads its own class for the model type: never the repo's code
        runner.run(repo, "text-classification", "hello", cache=PipelineCache(budget_bytes=2**30))
    except RemoteCodeRefusedError:
        pass
    assert not sentinel.exists(), "the runner ran remote code without consent"
    assert not any(p.endswith("modeling_evil.py") for p in files_asked(hub, repo)), "its code was downloaded"

    result = runner.run(repo, "text-classification", "hello", consent_remote_code=True,
                        cache=PipelineCache(budget_bytes=2**30))
    assert result.output and sentinel.read_text() == "remote code ran", "with consent the fixture's code runs"


def test_an_oversize_model_is_refused_before_any_byte_is_downloaded(repos, hub, monkeypatch):
    monkeypatch.setenv("HUB_EXPLORER_TRYIT_BUDGET_MB", "0.01")  # 10 kB: the tiny model's weights are larger
    repo = repos["big"]
    hub.clear_requests()
    at = page(repo)
    assert not at.exception
    run = at.button(key=key(repo, "run"))
    assert run.disabled and "Too big for this machine" in said(at)
    forge_click(run).run()
    assert not at.exception
    assert files_asked(hub, repo) == [], "bytes of an oversize model were downloaded"
    assert cached_files(repo) == [], "files of an oversize model are in the download cache"
    assert key(repo, "last") not in at.session_state
    assert "Too big for this machine" in said(at)
