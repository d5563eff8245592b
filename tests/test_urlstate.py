"""URL parameters -> page state and back. Each case says why a value is kept or dropped."""

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
        ({"page": "99999"}, "Ignored page"),
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
