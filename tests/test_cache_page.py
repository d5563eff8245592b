"""AppTest of the Local cache page, over a real cache in a temporary folder filled from the fake Hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import constants, hf_hub_download
from streamlit.testing.v1 import AppTest

from lib.format import human_bytes
from lib.ui.cache_view import TABLE

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """huggingface_hub's cache folder for this test (read by the page at run time); empty until filled."""
    folder = tmp_path / "hf" / "hub"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(folder))
    return folder


@pytest.fixture
def filled(hub, cache_dir) -> Path:
    for name in ("config.json", "merges.txt", "README.md"):
        hf_hub_download("gpt2", name, cache_dir=cache_dir, endpoint=hub.url)
    hf_hub_download("rajpurkar/squad", "README.md", repo_type="dataset", cache_dir=cache_dir, endpoint=hub.url)
    return cache_dir


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "cache.py"), default_timeout=60).run()


def select(at: AppTest, rows: list[int]) -> AppTest:
    at.session_state[TABLE] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "success", "info", "warning", "error") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_lists_cached_repos_with_sizes(filled):
    at = page()
    assert not at.exception
    assert at.title[0].value == "Local cache"
    frame = at.dataframe[0].value
    assert list(frame["repo"]) == ["gpt2", "rajpurkar/squad"], "largest first"
    assert list(frame["type"]) == ["model", "dataset"]
    assert frame["size"].iloc[0] > 400_000 and frame["size"].iloc[1] > 0
    assert list(frame["files"]) == [3, 1]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Repos"] == "2"
    assert metrics["Size on disk"] == human_bytes(int(frame["size"].sum()))
    assert str(filled) in texts(at)
    delete = at.button(key="cache:delete")
    assert delete.disabled, "nothing selected, nothing to delete"


def test_delete_needs_confirmation_then_the_files_are_gone(filled):
    at = page()
    gpt2_dir = filled / "models--gpt2"
    assert gpt2_dir.is_dir()
    size = at.dataframe[0].value["size"].iloc[0]

    select(at, [0])
    delete = at.button(key="cache:delete")
    assert not delete.disabled
    assert delete.label == f"Delete 1 repo ({human_bytes(size)})"
    delete.click().run()
    assert not at.exception
    assert "Delete 1 repo from the local cache?" in texts(at)
    assert "gpt2" in texts(at) and human_bytes(size) in texts(at)
    assert gpt2_dir.is_dir(), "nothing is deleted before the confirmation"

    at.button(key="cache:confirm").click().run()
    assert not at.exception
    assert not gpt2_dir.exists()
    assert any("Deleted 1 repo (gpt2)" in s.value.replace("\\", "") for s in at.success)
    frame = at.dataframe[0].value
    assert list(frame["repo"]) == ["rajpurkar/squad"], "the table is refreshed"
    assert at.button(key="cache:delete").disabled, "the selection is cleared after deleting"


def test_cancel_keeps_everything(filled):
    at = select(page(), [0, 1])
    assert at.button(key="cache:delete").label.startswith("Delete 2 repos (")
    at.button(key="cache:delete").click().run()
    assert "Delete 2 repos from the local cache?" in texts(at)
    at.button(key="cache:cancel").click().run()
    assert "from the local cache?" not in texts(at)
    assert len(at.dataframe[0].value) == 2
    assert (filled / "models--gpt2").is_dir() and (filled / "datasets--rajpurkar--squad").is_dir()


def test_changing_the_selection_drops_the_question(filled):
    at = select(page(), [0])
    at.button(key="cache:delete").click().run()
    assert "from the local cache?" in texts(at)
    select(at, [1])
    assert "from the local cache?" not in texts(at)
    assert at.button(key="cache:delete").label.startswith("Delete 1 repo (")
    assert (filled / "models--gpt2").is_dir()


def test_confirmation_deletes_only_what_was_asked_about(hub, filled):
    """Another download moves the rows between the question and the answer: the repo the question named goes."""
    at = select(page(), [0])
    assert at.dataframe[0].value["repo"].iloc[0] == "gpt2"
    at.button(key="cache:delete").click().run()
    assert "`gpt2`" in texts(at)
    # meanwhile, elsewhere: a bigger repo arrives and becomes row 0
    hf_hub_download("distilgpt2", "vocab.json", cache_dir=filled, endpoint=hub.url)
    at.button(key="cache:confirm").click().run()
    assert not at.exception
    assert not (filled / "models--gpt2").exists()
    assert (filled / "models--distilgpt2").is_dir() and (filled / "datasets--rajpurkar--squad").is_dir()
    assert list(at.dataframe[0].value["repo"]) == ["distilgpt2", "rajpurkar/squad"]


def test_empty_cache_is_a_friendly_message(cache_dir):
    at = page()
    assert not at.exception
    assert not at.get("dataframe")
    assert any("The cache is empty" in i.value for i in at.info)
    assert str(cache_dir) in texts(at)
    assert not at.error


def test_corrupted_entries_are_shown_as_warnings(filled):
    (filled / "models--broken--repo").mkdir()
    at = page()
    assert not at.exception
    assert any("1 cache entry could not be read" in w.value for w in at.warning)
    assert "broken" in texts(at)
    assert len(at.dataframe[0].value) == 2, "the readable repos are still listed"


def test_unreadable_cache_is_explained(tmp_path, monkeypatch):
    path = tmp_path / "hub"
    path.write_text("a file")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(path))
    at = page()
    assert not at.exception
    assert any("Cannot read the local cache" in e.value for e in at.error)
