"""AppTest of the saved-searches sidebar panel, drawn alone by tests/apps/saved_panel_app.py.

The panel needs no Hub; each test gets its own HUB_EXPLORER_HOME, so its SQLite file starts empty.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from lib.saved import FILE_NAME, SavedSearches

APP = Path(__file__).resolve().parent / "apps" / "saved_panel_app.py"
SEARCH = {"q": "bert", "task": "fill-mask", "sort": "downloads"}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def panel(params: dict[str, str] | None = None, kind: str = "models") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["test:params"] = dict(SEARCH if params is None else params)
    at.session_state["test:kind"] = kind
    return at.run()


def sidebar_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "subheader", "success", "info", "warning", "error")
             for e in at.sidebar.get(kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def saved_links(at: AppTest) -> dict[str, dict[str, str]]:
    """name -> params of every reopen link (Markdown links when the page runs alone, as here)."""
    out: dict[str, dict[str, str]] = {}
    for md in at.sidebar.markdown:
        for label, path, query in re.findall(r"\[(.+?)\]\((/\w+)\?([^)]*)\)", md.value):
            out[label.replace("\\", "")] = {"_path": path, **dict(parse_qsl(query))}
    for link in at.sidebar.get("page_link"):
        out[link.proto.label] = {"_path": link.proto.page, **dict(parse_qsl(link.proto.query_string))}
    return out


def enter_user(at: AppTest, name: str = "ada") -> AppTest:
    at.text_input(key="saved:models:user_input").input(name)
    return at.button(key="saved:models:user_submit").click().run()


def save_as(at: AppTest, name: str) -> AppTest:
    at.text_input(key="saved:models:name").input(name)
    return at.button(key="saved:models:save").click().run()


def test_asks_the_name_once_then_saves_lists_and_links(home):
    at = panel()
    assert not at.exception
    assert "Saved searches" in [s.value for s in at.sidebar.subheader]
    assert at.text_input(key="saved:models:user_input").label == "Your name"
    # before a name is given there is nothing to save to
    with pytest.raises(KeyError):
        at.text_input(key="saved:models:name")

    enter_user(at, "  ada  ")
    assert not at.exception
    assert at.session_state["saved:user"] == "ada"
    assert "ada" in sidebar_text(at)
    assert "No saved searches of models yet" in sidebar_text(at)
    assert "saved:user" not in at.query_params and "ada" not in str(dict(at.query_params)), "never in the URL"

    save_as(at, "BERT fill-mask")
    assert not at.exception
    assert any("Saved “BERT fill-mask”" in s.value.replace("\\", "") for s in at.sidebar.success)
    assert at.text_input(key="saved:models:name").value == "", "the box is emptied after saving"
    links = saved_links(at)
    assert links == {"BERT fill-mask": {"_path": "/models", **SEARCH}}
    assert "'bert' · task fill-mask · by downloads" in sidebar_text(at)

    # the file on disk holds it, under the home folder
    assert (home / FILE_NAME).is_file()
    stored = SavedSearches(home / FILE_NAME).list("ada", "models")
    assert [(s.name, s.params) for s in stored] == [("BERT fill-mask", SEARCH)]

    # a rerun does not ask the name again, and the message is shown once
    at.run()
    assert not at.sidebar.success
    assert "BERT fill-mask" in saved_links(at)


def test_a_new_session_with_the_same_name_sees_the_list_another_name_does_not(home):
    SavedSearches(home / FILE_NAME).save("ada", "squad sets", "datasets", {"q": "squad"})
    SavedSearches(home / FILE_NAME).save("ada", "mine", "models", {"q": "gpt2"})
    at = enter_user(panel())
    assert saved_links(at) == {"mine": {"_path": "/models", "q": "gpt2"}}, "only this kind's searches"

    at.button(key="saved:models:change_user").click().run()
    assert "saved:user" not in at.session_state
    assert at.text_input(key="saved:models:user_input").value == "ada", "the old name is offered for editing"
    enter_user(at, "bob")
    assert saved_links(at) == {}


def test_invalid_names_are_explained(home):
    at = panel()
    enter_user(at, "   ")
    assert "saved:user" not in at.session_state
    assert any("user name is empty" in e.value for e in at.sidebar.error)

    enter_user(at, "ada")
    save_as(at, "bad\nname")
    assert any("control character" in e.value for e in at.sidebar.error)
    assert saved_links(at) == {}
    assert at.text_input(key="saved:models:name").value == "bad\nname", "the typed name is kept to be fixed"


def test_saving_an_existing_name_asks_before_replacing(home):
    at = enter_user(panel())
    save_as(at, "mine")
    at.session_state["test:params"] = {"q": "gpt2", "sort": "likes"}
    at.run()
    save_as(at, "mine")
    assert not at.exception
    assert "already exists" in sidebar_text(at) and "Replace it" in sidebar_text(at)
    assert saved_links(at)["mine"]["q"] == "bert", "nothing replaced before confirming"

    at.button(key="saved:models:overwrite_no").click().run()
    assert "already exists" not in sidebar_text(at)
    assert saved_links(at)["mine"]["q"] == "bert"

    save_as(at, "mine")
    at.button(key="saved:models:overwrite_yes").click().run()
    assert not at.exception
    assert saved_links(at) == {"mine": {"_path": "/models", "q": "gpt2", "sort": "likes"}}
    assert any("Replaced" in s.value for s in at.sidebar.success)
    assert len(SavedSearches(home / FILE_NAME).list("ada")) == 1


def test_a_pending_replace_is_dropped_when_the_search_changes(home):
    at = enter_user(panel())
    save_as(at, "mine")
    save_as(at, "mine")
    assert "already exists" in sidebar_text(at)
    at.session_state["test:params"] = {"q": "other"}
    at.run()
    assert "already exists" not in sidebar_text(at)
    assert SavedSearches(home / FILE_NAME).get("ada", "mine", "models").params == SEARCH


def test_delete_needs_confirmation(home):
    store = SavedSearches(home / FILE_NAME)
    keep = store.save("ada", "keep", "models", {"q": "keep"})
    gone = store.save("ada", "gone", "models", {"q": "gone"})
    at = enter_user(panel())
    assert set(saved_links(at)) == {"keep", "gone"}

    at.button(key=f"saved:models:delete:{gone.id}").click().run()
    assert not at.exception
    assert "Delete gone? This cannot be undone." in sidebar_text(at).replace("*", "")
    assert set(saved_links(at)) == {"keep", "gone"}, "nothing deleted yet"

    at.button(key="saved:models:delete_no").click().run()
    assert "cannot be undone" not in sidebar_text(at)
    assert store.get("ada", "gone", "models") is not None

    at.button(key=f"saved:models:delete:{gone.id}").click().run()
    at.button(key="saved:models:delete_yes").click().run()
    assert not at.exception
    assert set(saved_links(at)) == {"keep"}
    assert any("Deleted “gone”" in s.value.replace("\\", "") for s in at.sidebar.success)
    assert store.get("ada", "gone", "models") is None
    assert store.get("ada", "keep", "models") == keep


def test_names_with_markup_and_sql_are_shown_literally(home):
    name = "*x* ' OR 1=1 -- [a](b) 日本"
    SavedSearches(home / FILE_NAME).save("ada", name, "models", {"q": "%_"})
    at = enter_user(panel())
    assert not at.exception
    assert saved_links(at)[name]["q"] == "%_"


def test_the_current_search_is_marked(home):
    store = SavedSearches(home / FILE_NAME)
    store.save("ada", "this one", "models", SEARCH)
    store.save("ada", "other", "models", {"q": "other"})
    at = enter_user(panel())
    captions = [c.value for c in at.sidebar.caption]
    assert sum("this search" in c for c in captions) == 1
    assert any("'bert'" in c and "this search" in c for c in captions)


def test_store_failure_is_explained_and_the_page_keeps_working(tmp_path, monkeypatch):
    blocker = tmp_path / "home"
    blocker.write_text("not a folder")
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(blocker))
    at = enter_user(panel())
    assert not at.exception
    assert any("Saved searches are unavailable" in e.value for e in at.sidebar.error)
    assert at.title[0].value == "Saved searches panel"


def test_the_search_in_the_save_box_help_is_text(home):
    """The save box's help describes the current search, whose text came from a person or a link."""
    link = "[Your HF token expired - log in again](https://evil.example/login)"
    at = enter_user(panel({"q": link, "source": "catalog"}))
    help_text = at.text_input(key="saved:models:name").help
    assert re.sub(r"\\(.)", r"\1", help_text) == f"'{link}' · from the local catalog"
    assert not re.search(r"(?<!\\)[\[\]()]", help_text), help_text
