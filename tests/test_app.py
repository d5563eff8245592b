"""AppTest runs of the app and of each page alone, against the fake Hub."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.task_ids import task_label
from tests import fixture_ids
from tests.apptest import page_test

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
TABLE = "models:table"


def app(path: str = "streamlit_app.py", **params: str) -> AppTest:
    return page_test(path, **params)


def shown(markdown: str) -> str:
    """Markdown as a reader sees it, as far as backslash escapes go ("fill\\-mask" reads "fill-mask")."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(at: AppTest) -> str:
    """Everything the page says in Markdown, captions, messages and subheaders, as one string (as read)."""
    parts = [e.value for kind in ("markdown", "caption", "subheader", "title") for e in at.get(kind)]
    parts += [e.value for kind in ("error", "warning", "info") for e in at.get(kind)]
    return shown("\n".join(str(p) for p in parts))


def select_row(at: AppTest, row: int) -> AppTest:
    at.session_state[TABLE] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


@pytest.fixture(autouse=True)
def _hub(hub):
    yield hub


BROWSE_PAGES = {"pages/models.py": "models", "pages/1_datasets.py": "datasets", "pages/spaces.py": "spaces"}


@pytest.mark.parametrize("page", ["streamlit_app.py", *PAGES])
def test_every_page_runs_alone_without_exception(page):
    at = app(page).run()
    assert not at.exception, at.exception
    if page in BROWSE_PAGES:
        assert len(at.dataframe[0].value) > 0, "the page shows a results table"
    elif page in ("streamlit_app.py", "pages/home.py"):  # the home page: one group per kind
        assert [s.value for s in at.main.subheader] == ["Models", "Datasets", "Spaces"]
    else:  # every other page has its own test file; here it must at least draw its title
        assert at.title, f"{page} shows a title"


def page_links(at: AppTest) -> list[tuple[str, str]]:
    """(label, query string) of every link into our pages: st.page_link in the app, Markdown links alone."""
    out = [(link.proto.label.replace("\\", ""), link.proto.query_string) for link in at.get("page_link")]
    for md in at.markdown:
        out += [(label.replace("\\", ""), query) for label, query in re.findall(r"\[(.+?)\]\(/\w+\?([^)]*)\)", md.value)]
    return out


def test_home_searches_every_kind_and_links_with_the_query():
    at = app("streamlit_app.py", q="bert").run()
    assert not at.exception
    assert at.text_input(key="home:q").value == "bert"
    model = fixture_ids.first_model(lambda m: "bert" in m["id"].lower())["id"]
    links = page_links(at)
    assert (model, f"repo={model.replace('/', '%2F')}") in links  # each hit opens its detail view
    group_links = [q for label, q in links if label.startswith("All matching")]
    assert group_links == ["q=bert"] * 3, links


@pytest.mark.parametrize("kind", ["datasets", "spaces"])
def test_other_kinds_select_a_row_and_show_details(kind):
    at = app(next(page for page, k in BROWSE_PAGES.items() if k == kind)).run()
    first_url = at.dataframe[0].value["url"][0]
    at.session_state[f"{kind}:table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    repo = at.query_params["repo"]
    assert first_url.endswith("/" + repo)
    assert repo in [s.value.replace("\\", "") for s in at.subheader]


def test_dataset_task_filter_matches_task_categories():
    task = next(t[len("task_categories:"):] for d in fixture_ids.records("datasets") for t in d.get("tags", [])
                if t.startswith("task_categories:"))
    at = app("pages/1_datasets.py", task=task).run()
    frame = at.dataframe[0].value
    assert len(frame) > 0 and all(task in cell for cell in frame["task"])


def test_space_detail_shows_runtime_links_and_the_sandboxed_app():
    space = next(s for s in fixture_ids.records("spaces")
                 if s.get("runtime", {}).get("stage") == "RUNNING" and s.get("models") and s.get("subdomain"))
    at = app("pages/spaces.py", repo=space["id"]).run()
    assert not at.exception
    assert ":material/play_circle: Running]" in texts(at)  # the stage in words, on its badge
    assert not at.error and not at.code  # a running Space has no error to show
    frames = at.get("iframe")
    assert frames and frames[0].proto.src == f"https://{space['subdomain']}.hf.space"
    assert (space["models"][0], f"repo={space['models'][0].replace('/', '%2F')}") in page_links(at)


def test_a_failed_space_shows_the_hubs_error_message_as_text():
    """A Space in an error stage: the stage in words ("Runtime error", not "The Space is runtime error") and the
    Hub's own message (its runtime's errorMessage) as a code block, character for character: a traceback with
    ``__init__`` and ``**`` in it is not Markdown."""
    space = next(s for s in fixture_ids.records("spaces") if s.get("runtime", {}).get("stage") == "RUNTIME_ERROR")
    message = space["runtime"]["errorMessage"]
    assert "__init__" in message and "**" in message and "\n" in message  # what Markdown would mangle
    at = app("pages/spaces.py", repo=space["id"]).run()
    assert not at.exception
    shown = texts(at)
    assert ":red-badge[:material/error: Runtime error]" in shown
    assert [e.value for e in at.error] == ["Runtime error: the app stopped with an error. The Hub's message:"]
    assert [c.value for c in at.code] == [message] and at.code[0].language in (None, "", "plaintext")
    assert "The Space is" not in shown


@pytest.mark.parametrize(("stage", "words"), [("BUILDING", "Building"), ("SLEEPING", "Sleeping"),
                                                ("PAUSED", "Paused")])  # fmt: skip
def test_a_space_that_does_not_run_says_so_in_words(stage: str, words: str):
    space = next(s for s in fixture_ids.records("spaces") if s.get("runtime", {}).get("stage") == stage)
    at = app("pages/spaces.py", repo=space["id"]).run()
    assert not at.exception
    assert f"{words}]" in texts(at)  # the badge
    assert not at.code  # no error message: none to show
    notes = [i.value for i in at.info if i.value.startswith(f"{words}")]
    assert space.get("host") is None or notes, [i.value for i in at.info]  # the App tab says what the app will do
    assert "The Space is" not in texts(at)


def test_model_lineage_links_into_our_pages():
    model = fixture_ids.first_model(lambda m: any(t.startswith("base_model:") for t in m.get("tags", [])))
    at = app("pages/models.py", repo=model["id"]).run()
    assert not at.exception
    base = next(t for t in model["tags"] if t.startswith("base_model:")).split(":")[-1]
    links = page_links(at)
    assert any(base in label and query == f"repo={base.replace('/', '%2F')}" for label, query in links), links


def test_app_lists_only_working_pages_and_shows_the_source():
    at = app().run()
    assert not at.exception
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert os.environ["HF_ENDPOINT"] in sidebar
    assert "reachable" in sidebar and "unreachable" not in sidebar
    assert "no token" in sidebar


def test_default_search_lists_models_by_trending():
    at = app("pages/models.py").run()
    frame = at.dataframe[0].value
    assert len(frame) == 25  # one full page
    ids = [u.rsplit("/", 2)[-2] + "/" + u.rsplit("/", 1)[-1] for u in frame["url"]]
    assert len(set(ids)) == 25
    assert at.button(key="models:next").disabled is False


def test_text_task_and_sort_filter_and_go_to_the_url():
    at = app("pages/models.py").run()
    at.text_input(key="models:q").input("BERT").run()
    at.selectbox(key="models:sort").select("downloads").run()
    frame = at.dataframe[0].value
    assert len(frame) > 0
    assert all("bert" in url.lower() for url in frame["url"])
    downloads = list(frame["downloads"].fillna(-1))
    assert downloads == sorted(downloads, reverse=True)
    assert at.query_params["q"] == "BERT" and at.query_params["sort"] == "downloads"

    task = fixture_ids.first_model(lambda m: "bert" in m["id"].lower() and m.get("pipeline_tag"))["pipeline_tag"]
    at.selectbox(key="models:task").select(task).run()
    frame = at.dataframe[0].value
    assert len(frame) > 0 and set(frame["task"]) == {task}
    assert at.query_params["task"] == task
    assert f"where task = {task_label(task)}" in texts(at)  # the task as its chip and list say it


def test_url_reproduces_the_view():
    at = app("pages/models.py", q="bert", sort="likes").run()
    assert at.text_input(key="models:q").value == "bert"
    assert at.selectbox(key="models:sort").value == "likes"
    likes = list(at.dataframe[0].value["likes"].fillna(-1))
    assert likes == sorted(likes, reverse=True)


def test_selecting_a_row_opens_details_and_goes_to_the_url():
    at = app("pages/models.py").run()
    first_url = at.dataframe[0].value["url"][0]
    select_row(at, 0)
    assert not at.exception
    repo = at.query_params["repo"]
    assert first_url.endswith("/" + repo)
    assert repo in [s.value.replace("\\", "") for s in at.subheader]
    # the URL alone reopens the same detail in a new session
    again = app("pages/models.py", repo=repo).run()
    assert repo in [s.value.replace("\\", "") for s in again.subheader]


def test_detail_shows_parameters_files_config_and_card():
    model = fixture_ids.safetensors_model()
    at = app("pages/models.py", repo=model["id"]).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    total = model["safetensors"]["total"]
    from lib.format import human_count

    assert metrics["Parameters"] == human_count(total)
    frames = [d.value for d in at.dataframe]
    files = next(f for f in frames if "File" in getattr(f, "columns", []))
    assert set(files["File"]) == {s["rfilename"] for s in model["siblings"]}
    by_dtype = next(f for f in frames if "dtype" in getattr(f, "columns", []))
    assert dict(zip(by_dtype["dtype"], by_dtype["Parameters"])) == model["safetensors"]["parameters"]
    if model.get("library_name") == "transformers" and model.get("pipeline_tag"):
        assert any(f'model="{model["id"]}"' in c.value for c in at.code), "a 'use this model' snippet"
    card = fixture_ids.card_text("models", model["id"])
    if card:
        body = card.split("---", 2)[-1].strip().splitlines()[0]
        assert body[:20] in texts(at)


def test_card_html_is_not_rendered_as_html():
    repo = fixture_ids.html_card_model_id()
    at = app("pages/models.py", repo=repo).run()
    assert not at.exception
    cards = [m for m in at.markdown if "<script" in str(m.value)]
    assert cards, "the card's raw HTML is passed on as text"
    assert all(not m.proto.allow_html for m in cards)


def test_unknown_repo_says_not_found_and_the_page_keeps_working():
    at = app("pages/models.py", repo="nobody-here/no-such-model").run()
    assert not at.exception
    assert any("Not found" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) > 0


def test_gated_model_without_token_explains_and_keeps_the_rest():
    repo = fixture_ids.gated_model_id()
    at = app("pages/models.py", repo=repo).run()
    assert not at.exception
    assert "gated" in texts(at).lower()
    assert any(m.label == "Downloads (30 d)" for m in at.metric)


def test_card_missing_says_so():
    at = app("pages/models.py", repo=fixture_ids.no_card_model_id()).run()
    assert not at.exception
    assert any("no card" in i.value for i in at.info)


def test_rate_limit_shows_the_wait_and_a_retry(hub):
    hub.add_fault("/api/models", status=429, times=1, retry_after=7)
    at = app("pages/models.py", q="rate-limit-probe").run()
    assert not at.exception
    assert any("Rate limited" in e.value and "7 s" in e.value for e in at.error)
    retry = next(b for b in at.button if "Retry" in b.label)
    retry.click().run()  # the fault is used up: the retry succeeds
    assert not at.error
    assert not at.get("dataframe")  # no model's id holds "rate-limit-probe": the answer is an empty result
    assert any("No models match this search" in i.value for i in at.info)


def test_hub_down_is_explained_not_a_traceback(monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    at = app().run()
    assert not at.exception
    assert any("Hub unreachable" in e.value for e in at.error)
    assert "unreachable" in "\n".join(str(m.value) for m in at.sidebar.markdown)


def test_malformed_answer_is_explained(hub):
    hub.add_fault("/api/models", status=200, malformed=True, times=1)
    at = app("pages/models.py", q="malformed-probe").run()
    assert not at.exception
    assert any("Unexpected answer" in e.value for e in at.error)


@pytest.mark.parametrize("text", ["%", "_", "' OR 1=1 --", ".*", "[a-z]+", "<b>x</b>", "\\", "日本語"])
def test_metacharacters_are_plain_text(text):
    at = app("pages/models.py", q=text).run()
    assert not at.exception
    frames = at.get("dataframe")
    if frames:
        assert all(text.lower() in u.lower() for u in frames[0].value["url"])
    else:
        assert any("No models match" in i.value for i in at.info)


def test_bad_url_parameters_are_ignored_with_a_note():
    at = app("pages/models.py", sort="sideways", page="-1", foo="bar", repo="../../etc").run()
    assert not at.exception
    notes = "\n".join(i.value for i in at.info)
    assert "sort" in notes and "page" in notes and "foo" in notes and "repo" in notes
    assert at.selectbox(key="models:sort").value == "trending"
    assert "sort" not in at.query_params and "foo" not in at.query_params


def test_paging_forward_and_back():
    at = app("pages/models.py").run()
    first = list(at.dataframe[0].value["url"])
    at.button(key="models:next").click().run()
    assert at.query_params["page"] == "2"
    second = list(at.dataframe[0].value["url"])
    assert second and not set(first) & set(second)
    at.button(key="models:prev").click().run()
    assert "page" not in at.query_params
    assert list(at.dataframe[0].value["url"]) == first


def _ids(at: AppTest) -> list[str]:
    return [u.split("/", 3)[-1] for u in at.dataframe[0].value["url"]]


def test_sidebar_filters_narrow_the_results_and_round_trip_through_the_url():
    models = fixture_ids.public_models()
    license_ = "mit"
    expected = {m["id"] for m in models if f"license:{license_}" in m.get("tags", [])}
    assert expected, "the fixtures have MIT models"
    at = app("pages/models.py").run()
    at.selectbox(key="models:license").set_value(license_).run()
    assert not at.exception
    got = set(_ids(at))
    assert got and got <= expected
    assert at.query_params["license"] == license_
    assert "license = mit" in texts(at)
    # the same URL in a new session shows the same rows and the filter as a chip
    again = app("pages/models.py", license=license_).run()
    assert set(_ids(again)) == got
    chip = again.button(key="models:chip:license")
    assert "license: mit" in chip.label
    chip.click().run()  # a chip removes its filter
    assert "license" not in again.query_params
    assert len(_ids(again)) == 25


def test_gated_and_parameter_filters():
    at = app("pages/models.py", gated="yes").run()
    gated = {m["id"] for m in fixture_ids.public_models() if m.get("gated") not in (None, False)}
    assert set(_ids(at)) and set(_ids(at)) <= gated
    at = app("pages/models.py", params="7-13B").run()
    sizes = {m["id"]: m.get("safetensors", {}).get("total") for m in fixture_ids.public_models()}
    ids = _ids(at)
    assert ids and all(sizes[i] and 7e9 <= sizes[i] <= 13e9 for i in ids), [(i, sizes[i]) for i in ids]
    assert at.query_params["params"] == "7-13B"
    assert "parameters 7B–13B" in texts(at)


def test_author_filter_typed_freely():
    at = app("pages/models.py", author="google").run()
    ids = _ids(at)
    assert ids and all(i.startswith("google/") for i in ids)


def test_date_windows_need_the_catalog_on_the_live_hub():
    at = app("pages/models.py").run()
    for which in ("created", "updated"):  # offered, but disabled with the reason (no catalog is loaded here)
        window = at.sidebar.date_input(key=f"models:{which}")
        assert window.disabled and "live Hub cannot filter by creation or update date" in window.help
        assert "Build the local catalog" in window.help
    at = app("pages/models.py", created="2024-01-01..").run()
    assert not at.exception
    assert any("date" in e.value and "Build the local catalog" in e.value for e in at.error)
    assert at.sidebar.date_input(key="models:created").disabled is False  # set by the link: it can be removed


def test_spaces_filter_by_sdk_and_never_offer_gating():
    at = app("pages/spaces.py", sdk="streamlit").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) > 0 and set(frame["sdk"]) == {"streamlit"}
    assert not [s for s in at.sidebar.get("button_group") if "Gated" in str(s.proto.label)]


def test_quality_toggles_on_the_live_hub():
    at = app("pages/models.py").run()
    at.toggle(key="models:safetensors_only").set_value(True).run()
    ids = _ids(at)
    with_safetensors = {m["id"] for m in fixture_ids.public_models() if "safetensors" in m.get("tags", [])}
    assert ids and set(ids) <= with_safetensors
    assert at.query_params["only"] == "safetensors"
    # what only the catalog can answer is disabled, with the reason
    toggle = at.toggle(key="models:originals_only")
    assert toggle.disabled and "catalog" in toggle.help


def test_catalog_only_options_on_the_live_hub_explain_themselves():
    at = app("pages/models.py", only="originals").run()
    assert not at.exception
    message = shown("\n".join(e.value for e in at.error))
    assert "The live Hub cannot answer “Originals only (fold derivatives)”" in message
    assert "Build the local catalog" in message
    # a sort the Hub cannot do is not offered; a link asking for it gets the Hub's default, with the reason
    at = app("pages/models.py", sort="parameters").run()
    assert not at.exception
    assert "parameters" not in at.selectbox(key="models:sort").options
    assert at.selectbox(key="models:sort").value == "trending"
    assert any("The live Hub cannot sort by parameters" in shown(i.value) and "Sorted by trending instead" in
               shown(i.value) for i in at.info)  # fmt: skip
    assert len(at.dataframe[0].value) == 25
    assert "sort" not in at.query_params  # the sort shown is the one in the URL


def test_a_huge_card_is_cut_with_the_whole_card_downloadable():
    huge = fixture_ids.first_model(lambda m: m["id"] == "bigscience/bloom")["id"]
    at = app("pages/models.py", repo=huge).run()
    assert not at.exception
    assert any("This card is long" in w.value for w in at.warning)
    assert at.get("download_button"), "the whole card can be downloaded"
    from lib.ui.views.common import CARD_RENDER_LIMIT

    assert max(len(m.value) for m in at.markdown) <= CARD_RENDER_LIMIT


def test_lineage_lists_derived_models():
    base = "Qwen/Qwen2.5-7B-Instruct"
    children = {m["id"] for m in fixture_ids.public_models() if f"base_model:{base}" in m.get("tags", [])}
    assert len(children) >= 2
    at = app("pages/models.py", repo=base).run()
    assert not at.exception
    shown = {label for label, query in page_links(at) if query.startswith("repo=") and label in children}
    assert shown == children


# --- anything from a URL is shown as text (H3) -------------------------------------------------------------------
PAYLOADS = [
    "[Your HF token expired - log in again](https://evil.example/login)",  # a link
    "![b](http://host/b1.png)",  # an image the browser would fetch
    ":red[**call 555**]",  # a coloured, bold directive
]
#: Every parameter whose value a page quotes back when it drops it.
QUOTED = ["repo", "sort", "task", "params", "created", "updated", "downloads", "likes", "gated", "only", "page",
          "source", "library", "license", "author", "language", "sdk"]  # fmt: skip
_UNESCAPED = re.compile(r"(?<!\\)[\[\]()!*:`<>_]")  # Markdown syntax not preceded by a backslash


@pytest.mark.parametrize("payload", PAYLOADS)
def test_url_values_and_names_are_shown_as_text_not_markdown(payload):
    at = app("pages/models.py", **dict.fromkeys(QUOTED, payload), **{payload: "1"}).run()
    assert not at.exception
    notes = [i.value for i in at.info if "Ignored" in shown(i.value)]
    for note in notes:
        assert not _UNESCAPED.search(note), f"Markdown syntax would be interpreted in {note!r}"
    read = "\n".join(shown(n) for n in notes)
    for param in QUOTED:
        if param == "sdk":  # Spaces only: the note names the parameter, not the value
            assert "Ignored sdk: only Spaces have an SDK and hardware." in read
            continue
        assert f"Ignored {param}" in read, param
        assert repr(payload[:20])[:-1] in read, param  # the literal text (cut), quoted
    assert f"Ignored unknown parameter {payload[:40]!r}." in read
    assert "https://evil.example" not in "".join(str(link) for link in at.get("page_link"))


def test_a_slow_hub_without_a_catalog_says_so_with_a_retry(hub, monkeypatch):
    monkeypatch.setenv("HUB_EXPLORER_TIMEOUT", "1")
    hub.add_fault("/api/models", delay=4, times=None)
    at = app("pages/models.py", q="slow-probe").run()
    assert not at.exception
    assert any(shown(e.value).startswith("**The Hub is slow to answer.**") for e in at.error), at.error
    retry = next(b for b in at.button if "Retry" in b.label)
    hub.clear_faults()
    retry.click().run()
    assert not at.error and at.get("info")  # asked again: the Hub answers (no model has that name)


def test_the_browse_state_keeps_the_open_views_own_parameters():
    """A detail view's tab/config/split (lib.detail_url) are its own: the browse page neither drops them nor calls
    them unknown while that repo is open; opening another row starts its view afresh."""
    first = fixture_ids.public_models()[0]["id"]
    at = app("pages/models.py", repo=first, tab="files").run()
    assert not at.exception
    assert not [i.value for i in at.info if "Ignored" in i.value]
    assert at.query_params["tab"] == "files" and at.query_params["repo"] == first
    at.text_input(key="models:q").input("bert").run()  # a new search closes the view: its tab goes with it
    assert "tab" not in at.query_params and "repo" not in at.query_params
