"""The Compare page through AppTest against the fake Hub: from the URL (order kept), add and remove in place,
folding equal rows, the exports, "Compare selected" from the Models table and "Add to compare" in a model's view."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = {m["id"]: m for m in json.loads((ROOT / "tests/fixtures/hub/models.json").read_text())}
NER, GPT2, LLAMA = "dslim/bert-base-NER", "gpt2", "meta-llama/Llama-3.1-8B-Instruct"


@pytest.fixture(autouse=True)
def _fake_hub(hub):
    return hub


def page(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def table(at: AppTest) -> str:
    html = [h for h in at.get("html") if 'class="cmp"' in h.proto.body]
    assert len(html) == 1, "one comparison table"
    return html[0].proto.body


def heads(at: AppTest) -> list[str]:
    return [unescape(m) for m in re.findall(r'<th><a [^>]*>([^<]*)</a></th>', table(at))]


def row_labels(at: AppTest) -> list[str]:
    return [unescape(m) for m in re.findall(r'<td class="fact">([^<]*)</td>', table(at))]


def test_from_the_url_in_its_order_with_a_bad_id_noted_as_text():
    at = page(models=f"{LLAMA},{GPT2},[evil](http://e.vil)")
    assert not at.exception
    assert heads(at) == [LLAMA, GPT2]
    assert at.query_params["models"] == f"{LLAMA},{GPT2}"  # the URL now holds what is compared
    note = next(i.value for i in at.info if "Ignored" in i.value)
    assert "\\[evil\\]\\(http" in note and "[evil](" not in note  # escaped: shown as text, not a link
    body = table(at)
    likes = re.search(r'<td class="fact">Likes</td>(.*?)</tr>', body).group(1)
    assert f"{FIXTURES[LLAMA]['likes']:,}" in likes and "best" in likes.split("</td>")[0]  # Llama has more likes


def test_a_model_that_cannot_be_read_is_a_warning_not_an_error():
    at = page(models=f"{GPT2},nobody/nothing")
    assert not at.exception and not at.error
    assert any("nobody/nothing" in w.value and "Not found" in w.value for w in at.warning)
    assert heads(at) == [GPT2]


def test_add_from_the_search_box_and_remove_in_place():
    at = page(models=f"{GPT2},{NER}")
    at.text_input(key="compare:find").input("Llama-3.1-8B").run()
    at.button(key=f"compare:add:{LLAMA}").click().run()
    assert not at.exception
    assert heads(at) == [GPT2, NER, LLAMA]
    assert at.query_params["models"] == f"{GPT2},{NER},{LLAMA}"
    at.button(key=f"compare:remove:{NER}").click().run()
    assert heads(at) == [GPT2, LLAMA]
    assert at.query_params["models"] == f"{GPT2},{LLAMA}"


def test_an_exact_id_can_be_added_even_when_search_does_not_list_it():
    at = page(models=GPT2)
    at.text_input(key="compare:find").input(NER).run()
    at.button(key=f"compare:add:{NER}").click().run()
    assert heads(at) == [GPT2, NER]


def test_folding_hides_the_rows_where_all_agree():
    at = page(models=f"{GPT2},{NER}")
    everything = row_labels(at)
    assert "Library" in everything and "Task" in everything  # both transformers; tasks differ
    at.toggle(key="compare:fold").set_value(True).run()
    folded = row_labels(at)
    assert "Library" not in folded and "Task" in folded
    assert set(folded) < set(everything)


def test_unknown_values_carry_their_reason():
    at = page(models=f"{GPT2},{NER}")
    sliding = re.search(r'<td class="fact">Sliding window</td>(.*?)</tr>', table(at)).group(1)
    assert sliding.count('class="val unknown"') == 2 and 'title="not stated for this model"' in sliding


def test_exports_are_offered():
    at = page(models=f"{GPT2},{NER}")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["CSV", "Markdown"]


def test_compare_selected_from_the_models_table():
    """Ticking rows opens the last ticked one's details and enables "Compare selected" (the switch to the Compare
    page itself needs the router: the browser test clicks through it)."""
    at = AppTest.from_file(str(ROOT / "pages" / "models.py"), default_timeout=60).run()
    assert at.button(key="models:compare_selected").disabled  # nothing ticked yet
    at.session_state["models:table"] = {"selection": {"rows": [0, 2], "columns": [], "cells": []}}
    at.run()
    shown = [r for r in at.dataframe[0].value.iloc[:, 0]]  # the table's first column: the repo links
    assert at.session_state["models:repo"] in shown[2]  # the last ticked row's details are open
    at.button(key="models:compare_selected").click().run()
    chosen = at.session_state["compare:models"]
    assert len(chosen) == 2 and chosen[0] in shown[0] and chosen[1] in shown[2]
    assert heads(page(models=",".join(chosen))) == chosen


def test_add_to_compare_from_a_model_view():
    at = AppTest.from_file(str(ROOT / "pages" / "models.py"), default_timeout=60)
    at.query_params["repo"] = NER
    at.run()
    at.button(key=f"compare:add-from-view:{NER}").click().run()
    assert at.session_state["compare:models"] == [NER]
    assert any("In the comparison (1 of 6)" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("rows", "before", "open_now", "expected", "why"),
    [
        ([0], [], None, "a", "a first tick opens that row"),
        ([0, 2], [0], "a", "c", "a new tick opens the new row"),
        ([2], [0, 2], "c", "c", "unticking another row keeps the open one"),
        ([0], [0, 2], "c", "a", "unticking the open row shows the last still ticked"),
        ([], [0], "a", None, "nothing ticked closes the details"),
        ([7], [], None, None, "a row past the page (a stale selection) opens nothing"),
    ],
)
def test_which_row_opens(rows, before, open_now, expected, why):
    from lib.ui.browse import opened_row

    assert opened_row(rows, before, ["a", "b", "c"], open_now) == expected, why


def test_the_page_offers_the_shared_run_and_the_tokens_for_the_compared_models():
    """The run section gets the compared models' records: their common task, and a model of another task skipped
    with its reason before anything runs (the run itself: tests/test_multi_run_page.py, tests/test_tryit_multi.py)."""
    at = page(models=f"{NER},google-bert/bert-base-uncased")
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Run one input through all of them", "Tokens"]
    assert at.selectbox(key="compare:run:task").value == "token-classification"  # the first model's task
    skipped = [c.value for c in at.caption if c.value.startswith(":material/block:")]
    assert skipped == [(":material/block: google\\-bert/bert\\-base\\-uncased: another task\\: fill\\-mask, "
                        "not token\\-classification")]
    assert at.text_area(key="compare:tokens:text").value.startswith("The quick brown fox")
