"""URL parameters -> page state and back. Each case says why a value is kept or dropped."""

from datetime import date

import pytest

from lib.query import SearchQuery
from lib.urlstate import PAGE_SIZE, is_valid_repo_id, parse_state, state_to_params


@pytest.mark.parametrize(
    ("repo_id", "valid", "why"),
    [
        ("bert-base-uncased", True, "legacy id without namespace"),
        ("google-bert/bert-base-uncased", True, "owner/name"),
        ("Qwen/Qwen2.5-7B-Instruct", True, "dots and capitals"),
        ("a/b/c", False, "two slashes"),
        ("../etc/passwd", False, "path traversal"),
        ("org/na me", False, "space"),
        ("org/<script>", False, "html"),
        ("org/name--x", False, "double dash is reserved"),
        ("日本語/モデル", False, "the Hub allows ASCII ids only"),
        ("", False, "empty"),
    ],
)
def test_repo_id_validation(repo_id, valid, why):
    assert is_valid_repo_id(repo_id) is valid, why


def test_defaults_from_empty_url():
    state = parse_state("models", {})
    assert state.query == SearchQuery(kind="models", limit=PAGE_SIZE)
    assert (state.page, state.repo, state.notes) == (1, None, ())


def test_round_trip_keeps_everything():
    query = SearchQuery(kind="models", text="llama 3", task="text-generation", sort="likes", limit=PAGE_SIZE)
    params = state_to_params(query, page=3, repo="meta-llama/Llama-3-8B")
    assert params == {"q": "llama 3", "task": "text-generation", "sort": "likes", "page": "3",
                      "repo": "meta-llama/Llama-3-8B"}
    state = parse_state("models", params)
    assert state.query == query.replace(offset=2 * PAGE_SIZE)
    assert (state.page, state.repo, state.notes) == (3, "meta-llama/Llama-3-8B", ())


def test_defaults_are_left_out_of_the_url():
    assert state_to_params(SearchQuery(kind="models")) == {}


def test_metacharacters_in_text_are_kept_verbatim():
    text = "%_' OR 1=1; -- .*[a-z]+ <b>\\"
    state = parse_state("models", {"q": text})
    assert state.query.text == text.strip()
    assert state.notes == ()


@pytest.mark.parametrize(
    ("params", "note_fragment"),
    [
        ({"foo": "1"}, "unknown parameter 'foo'"),
        ({"sort": "random"}, "Ignored sort"),
        ({"sort": "downloads"}, None),
        ({"page": "0"}, "Ignored page"),
        ({"page": "-3"}, "Ignored page"),
        ({"page": "abc"}, "Ignored page"),
        ({"page": "99999"}, None),  # a deep page: the catalog has no page limit (the live Hub's is the page's)
        ({"page": "10000000"}, "Ignored page"),  # past any page a URL may hold
        ({"task": "<script>alert(1)</script>"}, "Ignored task"),
        ({"task": "text-generation"}, None),
        ({"repo": "not a repo"}, "Ignored repo"),
        ({"q": "x" * 500}, "cut to 200"),
    ],
)
def test_malformed_parameters_are_ignored_with_a_note(params, note_fragment):
    state = parse_state("models", params)
    if note_fragment is None:
        assert state.notes == ()
    else:
        assert any(note_fragment in n for n in state.notes), state.notes
        assert state.query.sort in {"trending", "downloads"}
        assert state.page == 1
    if params.get("page") == "99999":
        assert (state.page, state.query.offset) == (99999, 99998 * PAGE_SIZE)


def test_spaces_cannot_sort_by_downloads():
    state = parse_state("spaces", {"sort": "downloads"})
    assert state.query.sort == "trending"
    assert state.notes


def test_library_ignored_outside_models():
    state = parse_state("datasets", {"library": "transformers"})
    assert state.query.library is None
    assert any("only models" in n for n in state.notes)


def test_list_values_take_the_first():
    assert parse_state("models", {"q": ["bert", "gpt"]}).query.text == "bert"


def test_count_ranges_round_trip():
    query = SearchQuery(kind="models", downloads_min=1000, downloads_max=50_000, likes_min=10, limit=PAGE_SIZE)
    params = state_to_params(query)
    assert params == {"downloads": "1000-50000", "likes": "10-"}
    state = parse_state("models", params)
    assert state.query == query
    assert state.notes == ()
    only_max = SearchQuery(kind="datasets", likes_max=99, limit=PAGE_SIZE)
    assert parse_state("datasets", state_to_params(only_max)).query == only_max


@pytest.mark.parametrize(
    ("kind", "params", "kept", "note_fragment"),
    [
        ("models", {"downloads": "0-0"}, {"downloads_min": 0, "downloads_max": 0}, None),  # exactly no downloads
        ("models", {"likes": "-100"}, {"likes_max": 100}, None),  # open below: "at most 100"
        ("models", {"downloads": "50000-1000"}, {}, "Ignored downloads"),  # reversed: an empty range
        ("models", {"downloads": "-"}, {}, "Ignored downloads"),  # both sides open is no range
        ("models", {"likes": "ten-20"}, {}, "Ignored likes"),  # not a number
        ("models", {"likes": "1e3-"}, {}, "Ignored likes"),  # no exponents: counts are plain integers
        ("models", {"likes": "-5-10"}, {}, "Ignored likes"),  # negative counts do not exist
        ("models", {"downloads": "1" * 16 + "-"}, {}, "Ignored downloads"),  # past any real count
        ("spaces", {"downloads": "10-"}, {}, "Spaces have no download counts"),
        ("spaces", {"likes": "10-"}, {"likes_min": 10}, None),  # Spaces do have likes
    ],
)
def test_malformed_count_ranges_are_dropped_with_a_note(kind, params, kept, note_fragment):
    state = parse_state(kind, {"q": "bert", **params})
    assert state.query == SearchQuery(kind=kind, text="bert", limit=PAGE_SIZE, **kept)  # the rest is kept
    if note_fragment is None:
        assert state.notes == ()
    else:
        assert any(note_fragment in n for n in state.notes), state.notes


# --- the source in the URL ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "source", "note", "why"),
    [
        ("catalog", "catalog", None, "the local catalog"),
        ("hub", "hub", None, "the live Hub only"),
        ("auto", "auto", None, "automatic, said explicitly (a saved search)"),
        (None, None, None, "no source: the page keeps the session's choice"),
        ("Catalog", None, "Ignored source: 'Catalog' is not one of auto, hub, catalog.", "values are lower case"),
        ("local", None, "Ignored source: 'local' is not one of auto, hub, catalog.", "not a choice"),
    ],
)
def test_source_parameter(raw, source, note, why):
    state = parse_state("models", {"source": raw} if raw is not None else {})
    assert state.source == source, why
    assert state.notes == ((note,) if note else ()), why


def test_source_goes_into_the_url_unless_automatic():
    query = SearchQuery(kind="models", created_from=date(2024, 1, 1), limit=PAGE_SIZE)
    assert state_to_params(query, source="catalog") == {"created": "2024-01-01..", "source": "catalog"}
    assert state_to_params(query, source="auto") == {"created": "2024-01-01.."}
    assert state_to_params(query) == {"created": "2024-01-01.."}
    state = parse_state("models", state_to_params(query, source="hub"))
    assert (state.query, state.source, state.notes) == (query, "hub", ())


# --- every filter of the table, through the URL ------------------------------------------------------------------
#: A value of every filter, per kind, and the URL text it must have (the formats links in the wild already use).
EVERY_FILTER = {
    "models": ({"task": "fill-mask", "library": "transformers", "language": "en", "license": "mit", "author": "org",
                "has_license": True, "has_card": True, "safetensors_only": True, "originals_only": True,
                "gated": True, "params_min": 7_000_000_000, "params_max": 13_000_000_000, "downloads_min": 1000,
                "likes_max": 50, "created_from": date(2024, 1, 1), "created_to": date(2024, 6, 30),
                "updated_to": date(2024, 7, 1)},
               {"task": "fill-mask", "library": "transformers", "language": "en", "license": "mit", "author": "org",
                "only": "license,card,safetensors,originals", "gated": "yes", "params": "7-13B",
                "downloads": "1000-", "likes": "-50", "created": "2024-01-01..2024-06-30", "updated": "..2024-07-01"}),
    "datasets": ({"task": "question-answering", "gated": False, "downloads_min": 0, "downloads_max": 0},
                 {"task": "question-answering", "gated": "no", "downloads": "0-0"}),
    "spaces": ({"sdk": "gradio", "hardware": "t4-small", "language": "fr", "likes_min": 3, "has_card": True,
                "stage": "RUNTIME_ERROR", "uses_model": "openai/whisper-large-v3", "uses_dataset": "mteb/results"},
               {"sdk": "gradio", "hardware": "t4-small", "language": "fr", "likes": "3-", "only": "card",
                "stage": "RUNTIME_ERROR", "uses_model": "openai/whisper-large-v3", "uses_dataset": "mteb/results"}),
}


@pytest.mark.parametrize("kind", list(EVERY_FILTER))
def test_every_filter_round_trips_in_the_url_formats_of_today(kind):
    values, url = EVERY_FILTER[kind]
    query = SearchQuery(kind=kind, limit=PAGE_SIZE, **values)
    assert state_to_params(query) == url
    state = parse_state(kind, url)
    assert (state.query, state.notes) == (query, ())


def test_the_url_parameters_are_those_of_links_in_the_wild():
    from lib.urlstate import KNOWN_PARAMS

    legacy = {"q", "sort", "page", "repo", "task", "library", "language", "license", "author", "sdk", "hardware",
              "gated", "params", "downloads", "likes", "created", "updated", "only"}
    assert KNOWN_PARAMS == legacy | {"mode", "source", "tab", "config", "split",  # the mode, the detail view's
                                     "per", "cols",  # and the results table's own (rows per page, columns)
                                     "stage", "uses_model", "uses_dataset"}  # Spaces: status, what they use


@pytest.mark.parametrize(
    ("params", "mode", "sort", "notes", "why"),
    [
        ({"q": "speech", "mode": "text"}, "text", "trending", (), "full text over what repos are about"),
        ({"q": "speech", "mode": "meaning", "sort": "relevance"}, "meaning", "relevance", (), "ranked by meaning"),
        ({"mode": "names"}, "names", "trending", (), "the default, spelled out"),
        ({"mode": "vibes"}, "names", "trending", ("Ignored mode: 'vibes' is not one of names, text, meaning.",),
         "an unknown mode"),
        ({"sort": "relevance"}, "names", "trending",
         ("Ignored sort: relevance ranks searches by words or meaning (mode=text or mode=meaning).",),
         "a name search has no relevance"),
    ],
)
def test_the_search_mode_in_the_url(params, mode, sort, notes, why):
    state = parse_state("models", params)
    assert (state.query.mode, state.query.sort, state.notes) == (mode, sort, notes), why
    assert parse_state("models", state_to_params(state.query)).query == state.query  # a link gives it back


@pytest.mark.parametrize(
    ("kind", "params", "note", "why"),
    [
        ("models", {"only": "nonsense"}, "Ignored only='nonsense': choose from license, card, safetensors, originals.",
         "an unknown word"),
        ("datasets", {"only": "originals"}, "Ignored only=originals: it applies to models only.", "models only"),
        ("spaces", {"gated": "yes"}, "Ignored gated: Spaces are never gated.", "no gating on Spaces"),
        ("models", {"gated": "maybe"}, "Ignored gated: 'maybe' is not yes or no.", "yes or no"),
        ("datasets", {"params": "7-13B"}, "Ignored params: only models have a parameter count.", "models only"),
        ("models", {"params": "huge"}, ("Ignored params: 'huge' is not a preset (<1B, 1-3B, 3-7B, 7-13B, 13-70B, >70B) "
                                        "or a range like 1000000-5000000."), "neither a preset nor a range"),
        ("models", {"created": "2024-13-01.."}, ("Ignored created: '2024-13-01..' is not a date window like "
                                                 "2024-01-01..2024-06-30."), "no month 13"),
        ("spaces", {"task": "text-generation"}, "Ignored task: Spaces have no task.", "Spaces have no task"),
        ("models", {"stage": "RUNNING"}, "Ignored stage: only Spaces have a runtime status.", "Spaces only"),
        ("datasets", {"uses_model": "openai/whisper-large-v3"},
         "Ignored uses_model: only Spaces use models and datasets.", "Spaces only"),
        ("spaces", {"uses_model": "not a repo"}, "Ignored uses_model: 'not a repo' is not a repo id (owner/name).",
         "a space in a repo id"),
        ("spaces", {"uses_dataset": "a/b/c"}, "Ignored uses_dataset: 'a/b/c' is not a repo id (owner/name).",
         "two slashes"),
        ("spaces", {"stage": "<b>x</b>"}, "Ignored stage: '<b>x</b>' is not a valid value.", "not a stage word"),
    ],
)
def test_each_filter_says_why_its_value_was_dropped(kind, params, note, why):
    state = parse_state(kind, params)
    assert state.notes == (note,), why
    assert state.query == SearchQuery(kind=kind, limit=PAGE_SIZE)


# --- the results table: rows per page and columns (?per=, ?cols=) -------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "params", "per", "cols", "note", "why"),
    [
        ("models", {}, 25, None, None, "no parameters: 25 rows, the default columns"),
        ("models", {"per": "50"}, 50, None, None, "an offered page size"),
        ("models", {"per": "100", "page": "3"}, 100, None, None, "a page size with a page"),
        ("models", {"per": "30"}, 25, None, "Ignored per: '30' is not one of 25, 50, 100.", "not offered"),
        ("models", {"per": "1e2"}, 25, None, "Ignored per: '1e2' is not one of 25, 50, 100.", "not a plain number"),
        ("models", {"per": "-50"}, 25, None, "Ignored per: '-50' is not one of 25, 50, 100.", "negative"),
        ("models", {"cols": "license,task"}, 25, ("task", "license"), None, "kept in table order"),
        ("models", {"cols": "gated,gated,likes"}, 25, ("gated", "likes"), None, "a repeat counted once"),
        ("models", {"cols": "name,url"}, 25, ("url",), None, "the name is always shown: no note"),
        ("models", {"cols": ""}, 25, (), None, "nothing but the name"),
        ("models", {"cols": "sdk,likes"}, 25, ("likes",), "Ignored cols=sdk: models have no such column.",
         "a column of another kind"),
        ("spaces", {"cols": "downloads"}, 25, (), "Ignored cols=downloads: spaces have no such column.",
         "Spaces have no download counts"),
        ("models", {"cols": "<b>x</b>,likes"}, 25, ("likes",),
         ("Ignored cols='<b>x</b>': choose from url, task, library, params, license, gated, downloads, share, likes, "
          "created, updated."), "an unknown word is quoted, to be shown as text"),
    ],
)
def test_page_size_and_columns_from_the_url(kind, params, per, cols, note, why):
    state = parse_state(kind, params)
    assert (state.per, state.cols) == (per, cols), why
    assert state.notes == ((note,) if note else ()), why
    assert state.query.limit == per and state.query.offset == (state.page - 1) * per, why


@pytest.mark.parametrize(
    ("kind", "per", "cols", "url", "why"),
    [
        ("models", 25, None, {}, "defaults are left out"),
        ("models", 100, None, {"per": "100"}, "a page size"),
        ("models", 25, ("license", "task"), {"cols": "task,license"}, "columns in table order"),
        ("datasets", 50, ("gated", "downloads"), {"per": "50", "cols": "gated,downloads"}, "both"),
        ("spaces", 25, (), {"cols": ""}, "only the name: an empty choice is still a choice"),
    ],
)
def test_page_size_and_columns_round_trip(kind, per, cols, url, why):
    query = SearchQuery(kind=kind, limit=per)
    params = state_to_params(query, per=per, cols=cols)
    assert params == url, why
    state = parse_state(kind, params)
    assert (state.per, state.cols, state.notes) == (per, tuple(sorted(cols, key=list(state_cols(kind)).index))
                                                    if cols is not None else None, ()), why


def state_cols(kind):
    from lib.columns import choosable

    return choosable(kind)
