"""Hostile input, property-based (hypothesis): search strings, filter values and URL query strings, over 10,000
generated examples in all (`EXAMPLES`), across the pages' URL parsing and the catalog.

* `lib.urlstate.parse_state` never fails, and what it reads, written back with `state_to_params` and read again, is
  the same state with no note (a page's own URL is never "ignored").
* Every `lib.filters` parser takes any text without failing, and what it parses formats and parses back the same.
* `SearchQuery` built from any field values is valid or an `InvalidQueryError` (never another exception), and
  `describe()` words it.
* The catalog's search, for any text, returns exactly the ids that contain it as a case-insensitive literal
  substring (`str.casefold`, the contract in `lib.query`), computed here by brute force; any URL's filters give a
  subset of that, or an `InvalidQueryError` saying why.
* `lib.format.md_escape` makes any text literal: every Markdown-active character is escaped, and a CommonMark
  parser (markdown-it) reads it back as plain text, equal to the input.
* A smaller sample of whole pages (AppTest): URLs with hostile values in every parameter and name; no exception,
  and no generated value reaches the page as a link, an image, HTML, code or emphasis.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.errors import InvalidQueryError
from lib.filters import FILTERS
from lib.format import md_escape
from lib.query import KINDS, SORTS, SearchQuery
from lib.urlstate import KNOWN_PARAMS, parse_state, state_to_params

ROOT = Path(__file__).resolve().parent.parent
#: Examples per property; their sum is the fuzzing budget (at least 10,000 in CI).
EXAMPLES = {"urlstate": 2500, "filters": 2000, "query": 1000, "catalog_text": 2500, "catalog_url": 800,
            "md_escape": 2000, "pages": 30}  # fmt: skip
_BASE = settings(deadline=None, database=None, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def fuzz(name: str) -> settings:
    return settings(_BASE, max_examples=EXAMPLES[name])

# --- strategies: what a person, a link or a card could hand us -----------------------------------------------------
MARKDOWN = list("\\`*_{}[]()#+-.!|<>:$~=&\"'%;/?^") + [" ", "\t", "\n", "\r", "\x00", "\u202e", "\ufeff"]
PAYLOADS = [
    "[x](https://evil.example/login)", "![i](http://e.vil/p.png)", ":red[**call 555**]", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "`code`", "$x^2$", "~~gone~~", "**bold**", "_it_", "# head", "> quote",
    "' OR 1=1 --", "%", "_", ".*", "[a-z]+", "\\", "%00", "../../etc/passwd", "javascript:alert(1)",
    "https://huggingface.co", ":material/warning:", "&amp;&lt;", "日本語", "ß", "İstanbul", "e\u0301", "🤗",
]  # fmt: skip
hostile = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(MARKDOWN + list("abcXYZ019 ")), max_size=40),
    st.sampled_from(PAYLOADS),
    st.lists(st.sampled_from(PAYLOADS + ["bert", "gpt", "-", "/", "B"]), max_size=4).map("".join),
)
#: Values a filter's URL text may hold, valid ones included so that parsing also succeeds.
filter_text = st.one_of(
    hostile,
    st.sampled_from(["7-13B", "1B-", "-500M", "1000-5000", "10-", "-3", "2024-01-01..2024-06-30", "..2023-12-31",
                     "2024-02-30..", "yes", "no", "mit", "apache-2.0", "fill-mask", "transformers", "en", "google",
                     "gradio", "1000000000000000-", "0-0", "5-1", "999999999999999999-"]),
    st.from_regex(r"\A\d{0,16}-\d{0,16}\Z"),
    st.from_regex(r"\A(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?\Z"),
)
param_names = st.one_of(st.sampled_from(sorted(KNOWN_PARAMS)), hostile)
url_params = st.dictionaries(param_names, st.one_of(filter_text, st.lists(filter_text, max_size=3)), max_size=8)


# --- URL state -----------------------------------------------------------------------------------------------------
@fuzz("urlstate")
@given(kind=st.sampled_from(KINDS), params=url_params)
def test_any_url_parses_and_round_trips(kind, params):
    parsed = parse_state(kind, params)
    assert all(isinstance(n, str) for n in parsed.notes)
    written = state_to_params(parsed.query, page=parsed.page, repo=parsed.repo, source=parsed.source)
    again = parse_state(kind, written)
    assert again.notes == (), f"our own URL {written} is noted: {again.notes}"
    assert (again.query, again.page, again.repo, again.source) == (
        parsed.query, parsed.page, parsed.repo, parsed.source)
    assert state_to_params(again.query, page=again.page, repo=again.repo, source=again.source) == written


# --- the filters' parsers --------------------------------------------------------------------------------------------
@fuzz("filters")
@given(f=st.sampled_from([f for f in FILTERS if f.control != "toggle"]), raw=filter_text)
def test_every_filter_parser_takes_any_text(f, raw):
    values = f.from_url(raw)
    if values is None:
        return
    kind = f.kinds[0]
    try:
        query = SearchQuery(kind=kind, **values)
    except InvalidQueryError:  # parsed, but impossible (an empty range): the page drops it with a note
        return
    text = f.to_url(query)
    assert text is not None and f.from_url(text) == values, (raw, values, text)


# --- SearchQuery ---------------------------------------------------------------------------------------------------
numbers = st.one_of(st.none(), st.integers(min_value=-10, max_value=10**16))
dates = st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)))
words = st.one_of(st.none(), hostile)


@fuzz("query")
@given(kind=st.sampled_from(KINDS), text=hostile, task=words, library=words, license=words, author=words,
       sdk=words, gated=st.one_of(st.none(), st.booleans()), params_min=numbers, params_max=numbers,
       downloads_min=numbers, likes_max=numbers, created_from=dates, created_to=dates, sort=st.sampled_from(SORTS),
       limit=st.integers(-2, 2000), offset=st.integers(-2, 10**6), has_card=st.booleans())  # fmt: skip
def test_any_query_is_valid_or_says_why(kind, **fields):
    try:
        query = SearchQuery(kind=kind, **fields)
    except InvalidQueryError as err:
        assert str(err)
        return
    assert isinstance(query.describe(), str) and isinstance(query.describe(total=3), str)


# --- the catalog against a brute-force reference ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def catalog(catalog_home):
    from lib.catalog import Catalog

    return Catalog.open(catalog_home)


@pytest.fixture(scope="module")
def all_ids(catalog) -> dict[str, list[str]]:
    """Every id per kind, read through the catalog's own empty search (which the first test checks)."""
    out = {}
    for kind in KINDS:
        result = catalog.search(SearchQuery(kind=kind, limit=1000, sort="likes"))
        out[kind] = [r.id for r in result.items]
    return out


def test_the_reference_sees_every_fixture(all_ids):
    from tests import fixture_ids

    for kind in KINDS:
        assert sorted(all_ids[kind]) == sorted(r["id"] for r in fixture_ids.records(kind))


def _reference(ids: list[str], text: str) -> set[str]:
    """Case-insensitive literal substring, by brute force (the contract: `str.casefold` on both sides)."""
    needle = text.strip().casefold()
    return {i for i in ids if needle in i.casefold()}


#: Texts that hit: pieces of real ids, in any case, with hostile bits around them.
id_pieces = st.sampled_from(["bert", "GPT", "llama", "-", "/", ".", "_", "Qw", "base", "7B", "ß", "I"])
search_text = st.one_of(hostile, id_pieces, st.tuples(id_pieces, hostile).map("".join),
                        st.tuples(hostile, id_pieces).map("".join))


@fuzz("catalog_text")
@given(kind=st.sampled_from(KINDS), text=search_text)
def test_catalog_text_search_equals_the_literal_substring_reference(catalog, all_ids, kind, text):
    result = catalog.search(SearchQuery(kind=kind, text=text.strip(), limit=1000, sort="likes"))
    got = [r.id for r in result.items]
    assert len(got) == len(set(got))
    assert set(got) == _reference(all_ids[kind], text), text
    assert result.total == len(got)


@fuzz("catalog_url")
@given(kind=st.sampled_from(KINDS), params=url_params, text=search_text)
def test_catalog_answers_any_url_within_the_reference(catalog, all_ids, kind, params, text):
    parsed = parse_state(kind, {**params, "q": text})
    query = parsed.query.replace(limit=1000, offset=0)
    try:
        result = catalog.search(query)
    except InvalidQueryError as err:  # a filter or sort this catalog's data cannot answer: said in words
        assert str(err)
        return
    got = {r.id for r in result.items}
    assert got <= _reference(all_ids[kind], query.text)


# --- md_escape: any text stays text ----------------------------------------------------------------------------------
ACTIVE = set("\\`*_{}[]()#+-.!|<>:$~&")  # Streamlit Markdown: CommonMark, :color[...] directives, $ math, ~~


@pytest.fixture(scope="module")
def markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["strikethrough", "table"])


def _plain_text(markdown, source: str) -> str | None:
    """What a Markdown parser reads in `source` when it is plain text (None when it found any markup)."""
    out = []
    for token in markdown.parseInline(source)[0].children or []:
        if token.type == "text":
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        else:
            return None
    return "".join(out)


@fuzz("md_escape")
@given(text=hostile)
def test_md_escape_leaves_only_literal_text(markdown, text):
    escaped = md_escape(text)
    for i, ch in enumerate(escaped):  # every active character is escaped: an odd run of backslashes before it
        if ch in ACTIVE and ch != "\\":
            run = len(escaped[:i]) - len(escaped[:i].rstrip("\\"))
            assert run % 2 == 1, f"{ch!r} at {i} of {escaped!r} is not escaped"
    line = " ".join(text.split()).replace("\x00", "\ufffd")  # one line, as shown; a parser reads NUL as U+FFFD
    read = _plain_text(markdown, md_escape(line))
    assert read is not None, f"markup found in {md_escape(line)!r}"
    assert read == line


# --- whole pages: a smaller sample -----------------------------------------------------------------------------------
MARK, END = "zqx", "xqz"  # around every generated value, to find it on the page
page_value = st.one_of(st.sampled_from(PAYLOADS), st.text(alphabet=st.sampled_from(MARKDOWN + list("ab")),
                                                          min_size=1, max_size=30)).map(lambda v: MARK + v + END)


def _markup_inside_values(markdown, body: str) -> list[str]:
    """The markup a parser makes of generated text in `body`: any token but plain text between a value's start
    (MARK) and its end (END, or the end of the paragraph when a note cut the value short). Markup around a value
    is the page's own (an id in bold) and allowed."""
    found = []
    for block in markdown.parse(body):
        if block.type in ("fence", "code_block", "html_block") and MARK in block.content:
            found.append(block.type)
        inside = False
        for token in block.children or []:
            text = token.content if token.type == "text" else ""
            if inside and token.type not in ("text", "softbreak", "hardbreak"):
                found.append(token.type)
            if MARK in text:
                inside = text.rfind(MARK) > text.rfind(END)
            elif END in text:
                inside = False
    return found


@fuzz("pages")
@given(page=st.sampled_from(["pages/models.py", "pages/1_datasets.py", "pages/spaces.py", "pages/compare.py"]),
       values=st.lists(page_value, min_size=1, max_size=4), names=st.lists(param_names, min_size=1, max_size=4),
       unknown=page_value)
def test_hostile_urls_reach_no_page_as_markup(hub, markdown, page, values, names, unknown):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    params = {name: values[i % len(values)] for i, name in enumerate(names)}
    params[unknown] = "1"
    if page == "pages/compare.py":
        params["models"] = ",".join(["gpt2", *values])
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    bodies = [str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "subheader")
              for e in at.get(kind)]  # fmt: skip
    for body in bodies:
        assert not _markup_inside_values(markdown, body), f"generated text as markup in {body!r}"
    links = [link.proto.label for link in at.get("page_link")]
    assert not [label for label in links if MARK in label and re.search(r"(?<!\\)[\[\]]", label)]


def test_the_budget_is_at_least_ten_thousand_examples():
    assert sum(EXAMPLES.values()) >= 10_000
