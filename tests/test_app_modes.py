"""Search modes in the app (issue "Find by meaning", item 1): the mode control on the browse pages and the home
page, in the URL, locked with the reason where the answering source cannot search that way, the "Best match" sort
only with the ranked modes, text mode's results with where they matched (escaped), Automatic sending a search by
words to the catalog with a note, and meaning without embeddings refused with how to build them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.format import md_escape
from tests.apptest import page_test
from tests.conftest import home_with_model

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
HOSTILE = "Spoken words [x](http://evil) <img src=x> **loud** $x$ :red[red]"
HOSTILE_ID = "acme/hostile-speech"


@pytest.fixture(scope="module")
def modes_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fake Hub's fixtures in a catalog, plus one dataset whose description is Markdown and HTML."""
    from lib.catalog import Catalog

    home = tmp_path_factory.mktemp("modes-home")
    cat = Catalog.open(home)
    for kind in ("models", "spaces"):
        cat.load([FIXTURES / f"{kind}.json"], kind=kind)
    datasets = json.loads((FIXTURES / "datasets.json").read_text(encoding="utf-8"))
    datasets.append({"id": HOSTILE_ID, "downloads": 1, "likes": 0, "description": HOSTILE,
                     "tags": ["task_categories:automatic-speech-recognition"]})  # fmt: skip
    extra = home / "datasets.json"
    extra.write_text(json.dumps(datasets), encoding="utf-8")
    cat.load([extra], kind="datasets")
    return home


@pytest.fixture
def with_catalog(modes_home, monkeypatch, hub):
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(modes_home))
    return modes_home


@pytest.fixture
def hub_only(tmp_path, monkeypatch, hub):
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(tmp_path))  # no catalog loaded there
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_answers():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def app(path: str, *, source: str | None = None, **params: str) -> AppTest:
    """The page with these URL parameters, `source` being the picker's choice in the session."""
    return page_test(path, picked_source=source, **params)


def shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def infos(at: AppTest) -> str:
    return "\n".join(shown(i.value) for i in at.info)


def matched_lines(at: AppTest) -> list[str]:
    """The Markdown of the "Where the words matched" block under the table (one line per repo)."""
    block = [m.value for m in at.markdown if "·" in m.value and ":orange-background[" in m.value]
    return block[0].split("  \n") if block else []


def param(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def locks(seg) -> dict[str, bool]:
    """Each option of a mode control and whether it shows the lock."""
    return {o.content: o.content_icon == ":material/lock:" for o in seg.proto.options}


def control(at: AppTest, key: str = "models:mode"):
    return at.segmented_control(key=key)


# --- the mode in the URL and the control --------------------------------------------------------------------------
def test_the_mode_from_the_url_selects_the_control_and_best_match(with_catalog):
    at = app("pages/models.py", source="catalog", q="speech recognition", mode="text", sort="relevance").run()
    assert not at.exception and not at.error
    assert control(at).value == "text"
    assert at.selectbox(key="models:sort").value == "relevance"
    assert at.selectbox(key="models:sort").options[0] == "Best match"
    assert at.text_input(key="models:q").placeholder.startswith("Words about the models")


def test_names_mode_is_unchanged_and_offers_no_best_match(with_catalog):
    at = app("pages/models.py", source="catalog", q="bert").run()
    assert not at.exception
    assert control(at).value == "names"
    assert "Best match" not in at.selectbox(key="models:sort").options
    assert "Best match" in at.selectbox(key="models:sort").help  # the help says why it is not offered
    assert all("bert" in u.lower() for u in at.dataframe[0].value["url"])
    assert not matched_lines(at), "a name search shows no snippets"
    assert "mode" not in at.query_params


def test_switching_modes_selects_best_match_and_back_and_goes_to_the_url(with_catalog):
    at = app("pages/models.py", source="catalog", q="speech", sort="likes").run()
    before = at.selectbox(key="models:sort").value
    assert before == "likes"
    control(at).set_value("text").run()
    assert not at.exception
    assert at.selectbox(key="models:sort").value == "relevance"
    assert param(at, "mode") == "text" and param(at, "sort") == "relevance"
    control(at).set_value("names").run()
    assert at.selectbox(key="models:sort").value == before  # the field sort chosen before, again
    control(at).set_value("meaning").run()
    assert at.selectbox(key="models:sort").value == "relevance"
    control(at).set_value(None).run()  # no segment chosen: names, and a field sort
    assert control(at).value == "names" and at.selectbox(key="models:sort").value == before
    assert param(at, "mode") is None and param(at, "sort") != "relevance"


def test_the_mode_round_trips_through_the_url(with_catalog):
    first = app("pages/1_datasets.py", source="catalog", q="speech", mode="text", sort="relevance").run()
    params = {k: param(first, k) for k in first.query_params}
    assert (params["mode"], params["q"], params["sort"]) == ("text", "speech", "relevance")
    again = app("pages/1_datasets.py", **params).run()  # the copied link in a fresh session
    assert control(again, "datasets:mode").value == "text"
    assert again.selectbox(key="datasets:sort").value == "relevance"
    assert [shown(u) for u in again.dataframe[0].value["url"]] == [shown(u) for u in first.dataframe[0].value["url"]]


# --- text mode's results ----------------------------------------------------------------------------------------
def test_text_mode_ranks_by_task_words_and_shows_where_they_matched(with_catalog):
    at = app("pages/models.py", source="catalog", q="speech recognition", mode="text", sort="relevance").run()
    urls = list(at.dataframe[0].value["url"])
    assert {u.rsplit("/", 2)[-2] + "/" + u.rsplit("/", 1)[-1] for u in urls[:2]} == {
        "openai/whisper-large-v3", "facebook/wav2vec2-base-960h"}  # fmt: skip
    lines = matched_lines(at)
    assert len(lines) == len(urls)
    whisper = next(line for line in lines if shown(line).startswith("**openai/whisper-large-v3**"))
    assert ":orange-background[speech]" in whisper and ":orange-background[recognition]" in whisper
    assert "automatic speech" not in whisper.replace(":orange-background[speech]", "")  # only the matched words


def test_a_snippet_is_escaped_text_never_markdown_or_html(with_catalog):
    at = app("pages/1_datasets.py", source="catalog", q="spoken", mode="text", sort="relevance").run()
    assert not at.exception
    lines = matched_lines(at)
    line = next(line for line in lines if HOSTILE_ID in shown(line))
    # every Markdown and HTML character of the description is escaped: it reads as written, nothing is a link,
    # a tag, bold, math or a colour
    rest = line.split(":orange-background[Spoken]", 1)[1]
    assert rest == md_escape(HOSTILE.removeprefix("Spoken"))
    assert re.search(r"(?<!\\)[<>\[\]()*$]", rest) is None
    assert shown(rest) == HOSTILE.removeprefix("Spoken")
    assert ":orange-background[Spoken]" in line  # the one matched word, marked by us


# --- who can answer ---------------------------------------------------------------------------------------------
def test_the_live_hub_alone_locks_text_and_meaning_with_the_reason(hub_only):
    at = app("pages/models.py", q="bert").run()
    assert not at.exception
    seg = control(at)
    assert locks(seg) == {"Names": False, "Names and descriptions": True, "Meaning": True}
    assert "The live Hub searches repo names only" in seg.help
    at = app("pages/models.py", q="speech", mode="text").run()  # a link asking for words: refused, with why
    errors = "\n".join(shown(e.value) for e in at.error)
    assert "The live Hub searches repo names only" in errors and "Build the local catalog" in errors


def test_automatic_sends_a_search_by_words_to_the_catalog_with_a_note(with_catalog):
    at = app("pages/models.py", q="speech recognition", mode="text", sort="relevance").run()
    assert not at.exception and not at.error
    note = infos(at)
    assert "The live Hub searches repo names only" in note and "The local catalog answers" in note
    assert len(at.dataframe[0].value) >= 2 and matched_lines(at)


@pytest.fixture
def unembedded(tmp_path, monkeypatch, hub, distilled):
    """A catalog of the fake Hub's models without embeddings (yet), the distilled model where the app looks."""
    from lib.catalog import Catalog

    home = home_with_model(tmp_path, distilled)
    Catalog.open(home).load([FIXTURES / "models.json"], kind="models")
    monkeypatch.setenv("HUB_EXPLORER_HOME", str(home))
    return home


def test_meaning_without_embeddings_is_locked_with_how_to_build_them(unembedded):
    at = app("pages/models.py", source="catalog", q="transcribe meetings", mode="meaning").run()
    assert not at.exception
    assert locks(control(at)) == {"Names": False, "Names and descriptions": False, "Meaning": True}
    assert "python -m lib.catalog embed --kind models" in control(at).help
    errors = "\n".join(shown(e.value) for e in at.error)
    assert "python -m lib.catalog embed --kind models" in errors
    assert not at.dataframe, "no results table for a search that cannot be answered"


def test_build_embeddings_in_the_app_then_search_by_meaning(unembedded):
    """The real Catalog.embed with the real (distilled) model: the button builds them, the mode unlocks, and a
    search in plain words is answered by meaning, best match first."""
    at = app("pages/models.py", source="catalog", q="turn recorded speech into written text", mode="meaning").run()
    (button,) = [b for b in at.button if b.label == "Build embeddings"]
    button.click().run(timeout=180)
    assert not at.exception and not at.error
    assert locks(control(at))["Meaning"] is False
    assert at.selectbox(key="models:sort").value == "relevance"
    frame = at.dataframe[0].value
    first = " ".join(frame.iloc[:3].astype(str).agg(" ".join, axis=1)).lower()
    assert "openai/whisper-large-v3" in first or "facebook/wav2vec2-base-960h" in first, frame.iloc[:5]


# --- the home page ----------------------------------------------------------------------------------------------
def test_home_searches_by_words_in_every_kind_with_snippets_and_links_keep_the_mode(with_catalog):
    at = app("pages/home.py", q="speech", mode="text").run()
    assert not at.exception
    assert at.segmented_control(key="home:mode").value == "text"
    captions = "\n".join(c.value for c in at.caption)
    assert ":orange-background[speech]" in captions or ":orange-background[Speech]" in captions
    links = [(p.label, p.page) for p in at.get("page_link")] or [(m.value, "") for m in at.markdown]
    assert any("mode=text" in str(getattr(p, "proto", p)) for p in at.get("page_link")) or any(
        "mode=text" in m.value for m in at.markdown), links  # fmt: skip
    assert param(at, "mode") == "text"
