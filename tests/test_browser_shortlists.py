"""Two people on one shortlist, in two browser contexts (two sessions, two names) against `streamlit run`: each sees
the other's vote and status change within a few seconds without reloading, what one is typing survives the other's
changes, and a conflicting note edit is refused with the other text shown. Screenshots at 1280 px width.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.shortlists import Shortlists
from lib.store import FILE_NAME, close_stores
from tests.browser import serve_app, shot, wait_idle
from tests.fakehub import WRITE_TOKEN

pytestmark = pytest.mark.browser

LIST = "support bot"
LIVE_S = 8_000  # ms: the page asks the store every 2 s; a few seconds more for a loaded machine
WIDE = {"width": 1280, "height": 1700}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Shortlists]]:
    """The app on a home folder of its own, and the same store as the test reaches it (another process)."""
    home = tmp_path_factory.mktemp("shortlists-home")
    lists = Shortlists(home / FILE_NAME)
    lists.create_list(LIST, user="cy", description="Which small model answers support questions?")
    lists.add_item(LIST, "gpt2", kind="models", user="cy", note="first look")
    lists.add_item(LIST, "distilgpt2", kind="models", user="cy")
    lists.add_item(LIST, "rajpurkar/squad", kind="datasets", user="cy")
    lists.vote(LIST, "gpt2", user="cy")  # sorted by votes, gpt2 is the first row
    with serve_app(env={"HUB_EXPLORER_HOME": str(home)}, log=home / "app.log") as url:
        yield url, lists
    close_stores()
    log = (home / "app.log").read_text()
    assert "Traceback" not in log, log[-3000:]


def open_as(browser, url: str, name: str):
    """A new browser context (its own session) on the list, named `name`, with the first row's item open."""
    context = browser.new_context(viewport=WIDE, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/shortlists?list={LIST.replace(' ', '+')}")
    page.get_by_role("textbox", name="Your name").wait_for(timeout=60_000)
    page.get_by_role("textbox", name="Your name").fill(name)
    page.get_by_role("button", name="Use this name").click()
    page.get_by_text(f"You are {name}").wait_for(timeout=30_000)
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    grid.hover()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first data row's tick box
    page.get_by_role("button", name="Save note").wait_for(timeout=30_000)
    wait_idle(page)
    page.evaluate("() => { window.__notReloaded = true; }")  # a reload would lose this
    return context, page


def status_button(page, status: str):
    """A choice of the open item's status control (a segmented control: a radio group named "Status")."""
    return page.get_by_role("radiogroup", name="Status", exact=True).get_by_role("radio", name=status, exact=True)


def status_shown(page, status: str):
    """The status control once `status` is its chosen value."""
    return page.get_by_role("radiogroup", name="Status", exact=True).locator(
        "[role=radio][aria-checked=true]").filter(has_text=re.compile(f"^{status}$"))


def test_two_people_see_each_others_changes_live_and_a_note_conflict_is_refused(browser, served):
    url, lists = served
    ada_context, ada = open_as(browser, url, "ada")
    bob_context, bob = open_as(browser, url, "bob")
    try:
        for page in (ada, bob):
            page.get_by_text("1 vote: cy").wait_for(timeout=10_000)
            page.get_by_text(re.compile(r"^gpt2 · model · added by cy")).wait_for()

        # ada votes: bob sees it without doing anything
        ada.get_by_role("button", name="Vote", exact=True).click()
        ada.get_by_text("2 votes: cy, ada").wait_for(timeout=10_000)
        started = time.monotonic()
        bob.get_by_text("2 votes: cy, ada").wait_for(timeout=LIVE_S)
        vote_seen_s = time.monotonic() - started

        # bob sets the status: ada sees it
        status_button(bob, "Trying").click()
        status_shown(bob, "Trying").wait_for(timeout=10_000)
        started = time.monotonic()
        status_shown(ada, "Trying").wait_for(timeout=LIVE_S)
        status_seen_s = time.monotonic() - started
        assert lists.get_list(LIST).item("gpt2").status == "trying"

        # bob starts typing his note while ada changes things; what he typed stays in his box
        bob_box = bob.get_by_role("textbox", name="Note")
        bob_box.click()
        bob_box.press("ControlOrMeta+a")
        bob_box.press_sequentially("bob: distilgpt2 is faster", delay=60)
        ada.get_by_role("button", name="Withdraw my vote").click()
        bob.get_by_text("1 vote: cy").wait_for(timeout=LIVE_S)  # the fragment redrew around his box...
        assert bob_box.input_value() == "bob: distilgpt2 is faster"  # ...and his typing is still there

        # ada saves her note first; bob's save, from the older note, is refused with her text shown
        ada_box = ada.get_by_role("textbox", name="Note")
        ada_box.fill("ada: gpt2 answers best on our eval")
        ada.get_by_role("button", name="Save note").click()
        ada.get_by_text("Note saved.").wait_for(timeout=10_000)
        bob.get_by_role("button", name="Save note").click()
        bob.get_by_text("yours was not saved", exact=False).wait_for(timeout=10_000)
        bob.get_by_test_id("stText").filter(has_text="ada: gpt2 answers best on our eval").first.wait_for()
        assert bob_box.input_value() == "bob: distilgpt2 is faster", "bob's text is kept"
        assert lists.get_list(LIST).item("gpt2").note == "ada: gpt2 answers best on our eval", "nothing overwritten"
        wait_idle(bob)
        wait_idle(ada)
        shot(ada, "20-shortlists-ada-list-live")
        shot(bob, "21-shortlists-bob-note-conflict")

        # bob keeps his: saved on purpose, ada's text stays in the history
        bob.get_by_role("button", name="Save mine anyway").click()
        ada.get_by_text("bob changed this note", exact=False).wait_for(timeout=LIVE_S)
        assert lists.get_list(LIST).item("gpt2").note == "bob: distilgpt2 is faster"
        assert [c.before for c in lists.history(LIST) if c.action == "note"][-1] == "ada: gpt2 answers best on our eval"

        for page in (ada, bob):
            assert page.evaluate("() => window.__notReloaded === true"), "no page was reloaded"
        print(f"vote seen after {vote_seen_s:.1f} s, status after {status_seen_s:.1f} s")
        assert vote_seen_s < LIVE_S / 1000 and status_seen_s < LIVE_S / 1000
    finally:
        ada_context.close()
        bob_context.close()


def test_add_from_a_model_view_then_the_list_page_exports(browser, served):
    """The "Add to a list" popover in a model's details, then the list's decision record downloaded."""
    url, _ = served
    context = browser.new_context(viewport=WIDE, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{url}/models?repo=distilbert/distilbert-base-uncased-finetuned-sst-2-english")
        page.get_by_role("tab", name="Files").wait_for(timeout=60_000)
        wait_idle(page)
        page.get_by_role("button", name="Add to a list").last.click()
        popover = page.get_by_test_id("stPopoverBody")
        popover.get_by_role("textbox", name="Your name").fill("di")
        popover.get_by_role("textbox", name="…or a new list").fill("<b>classifiers</b> [x](javascript:alert(1))")
        popover.get_by_role("textbox", name="Note (optional)").fill("fast; **bold** stays text")
        popover.get_by_role("button", name="Add").click()
        popover.get_by_text("Made the list").wait_for(timeout=30_000)
        shot(page, "22-shortlists-add-from-model-view")
        popover.get_by_text("Open “<b>classifiers</b> [x](javascript:alert(1))”").click()
        page.wait_for_url(re.compile(r"/shortlists\?list="), timeout=30_000)
        page.get_by_role("heading", name="<b>classifiers</b> [x](javascript:alert(1))").wait_for(timeout=30_000)
        wait_idle(page)
        assert page.locator("main a[href^='javascript']").count() == 0
        with page.expect_download() as download:
            page.get_by_role("button", name="Decision record").click()
        record = Path(download.value.path()).read_text()
        assert record.startswith("# Decision record: \\<b\\>classifiers\\</b\\>")
        assert "distilbert" in record and "Downloads:" in record
        shot(page, "23-shortlists-new-list-from-a-view")

        # publish it as a Collection with a token typed for this once
        page.get_by_role("button", name="Publish").click()
        form = page.get_by_test_id("stPopoverBody")
        form.get_by_role("textbox", name="Collection title").fill("Classifiers we like")
        form.get_by_role("textbox", name="Hugging Face token").fill(WRITE_TOKEN)
        form.get_by_role("button", name="Publish").click()
        form.get_by_text("Published 1 item").wait_for(timeout=30_000)
        link = form.get_by_role("link", name="Open the collection")
        assert "/collections/fake-user/" in (link.get_attribute("href") or "")
        assert form.get_by_role("textbox", name="Hugging Face token").input_value() == "", "the box is emptied once used"
        assert WRITE_TOKEN not in page.content(), "the token is in no page"
        shot(page, "24-shortlists-published")
    finally:
        context.close()
