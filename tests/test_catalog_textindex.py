"""The substring index (`lib.catalog.textindex`) and the integer helpers under it, against brute force."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lib.catalog.fields import StringTable, top_codes
from lib.catalog.packing import first_of_pairs, stable_order
from lib.catalog.textindex import TextIndex

ALPHABET = "abAB01-_./%\\'\"()[]*+?^$|{}ßẞİıΣσςé日本 "


def _brute(ids: list[str], text: str) -> set[int]:
    return {i for i, s in enumerate(ids) if text.casefold() in s.casefold()}


def _found(index: TextIndex, text: str) -> set[int]:
    hits = index.find(text)
    assert hits is not None
    rows = hits.rows.tolist()
    if hits.sorted_unique:
        assert rows == sorted(set(rows))
    return set(rows)


@pytest.fixture(scope="module")
def random_ids() -> list[str]:
    rng = random.Random(7)
    ids = {"".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14))) for _ in range(3000)}
    return sorted(ids)


def test_every_pattern_length_agrees_with_brute_force(random_ids: list[str]) -> None:
    index = TextIndex.build(random_ids)
    rng = random.Random(11)
    checked = 0
    for _ in range(1500):
        source = rng.choice(random_ids)
        if source and rng.random() < 0.7:  # a piece of a real id, sometimes upper-cased
            a = rng.randrange(len(source))
            text = source[a : rng.randint(a + 1, len(source))]
            text = text.upper() if rng.random() < 0.3 else text
        else:  # random text, mostly matching nothing
            text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 9)))
        assert _found(index, text) == _brute(random_ids, text), repr(text)
        checked += 1
    assert checked == 1500


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", {0, 1, 2, 4}),  # one byte: its own list
        ("AB", {1, 2}),  # two bytes: their own list
        ("abc", {2}),  # three bytes: a key range
        ("bcd", {2}),
        ("abcd", {2}),  # four bytes: one key
        ("abcde", {2}),  # five: two overlapping grams
        ("bcdefghij", {2}),  # nine: three grams
        ("de", {2}),
        ("ab", {1, 2}),
        ("z", {3}),
        ("q", set()),
        ("a/", {4}),  # across the namespace separator
        ("cdefghijk", set()),  # runs past the end of the id
        ("j\u0000", set()),  # NUL never matches
    ],
)
def test_each_pattern_length(text: str, expected: set[int]) -> None:
    ids = ["a", "ab", "abcdefghij", "xyz", "a/b"]
    assert _found(TextIndex.build(ids), text) == expected


def test_a_pattern_never_spans_two_ids() -> None:
    index = TextIndex.build(["ab", "cd", "abcd-x"])
    assert _found(index, "bc") == {2}
    assert _found(index, "b\u0000c") == set()


def test_empty_text_means_every_row() -> None:
    assert TextIndex.build(["a"]).find("") is None


def test_repeated_occurrences_in_one_id_are_one_row() -> None:
    index = TextIndex.build(["aaaa-aaaa-aaaa", "b"])
    for text in ("a", "aa", "aaa", "aaaa", "aaaa-", "a-aaaa-a"):
        assert _found(index, text) == {0}, text


def test_an_index_rebuilt_from_its_arrays_answers_the_same(random_ids: list[str]) -> None:
    index = TextIndex.build(random_ids)
    again = TextIndex(len(random_ids), {k: v.copy() for k, v in index.arrays().items()})
    for text in ("a", "ß", "ab", "a.b", "%_", "日本"):
        assert _found(again, text) == _brute(random_ids, text)


def test_no_ids() -> None:
    index = TextIndex.build([])
    assert _found(index, "a") == set() and _found(index, "abcdef") == set()


# --- helpers -------------------------------------------------------------------------------------------------
def test_string_table_finds_values_by_binary_search() -> None:
    values = sorted(["", "a", "ab", "b", "é", "日本"])
    table = StringTable.build(values)
    assert list(table) == values and table.decoded() == values
    assert [table.find(v) for v in values] == list(range(len(values)))
    assert table.find("aa") is None and table.lower_bound("aa") == 2


def test_top_codes_takes_ties_in_code_order() -> None:
    counts = np.array([5, 0, 7, 5, 5, 1])
    assert sorted(top_codes(counts, 3).tolist()) == [0, 2, 3]
    assert sorted(top_codes(counts, 10).tolist()) == [0, 2, 3, 4, 5]
    assert top_codes(np.zeros(4, np.int64), 2).tolist() == []


def test_stable_order_and_first_of_pairs() -> None:
    keys = np.array([3, 1, 3, 0, 1])
    assert stable_order(keys).tolist() == [3, 1, 4, 0, 2]
    a, b = np.array([0, 0, 1, 0, 1]), np.array([5, 5, 5, 6, 5])
    assert first_of_pairs(a, b).tolist() == [True, False, True, True, False]


def test_small_buckets_and_a_folder_give_the_same_index(random_ids: list[str], tmp_path) -> None:
    """The two-pass build (runs, then buckets of leading bytes) written to files equals the one-bucket build."""
    whole = TextIndex.build(random_ids, bucket_entries=1 << 30)
    chunks = [random_ids[i : i + 700] for i in range(0, len(random_ids), 700)]
    split = TextIndex.build(chunks, chunked=True, folder=tmp_path, prefix="t_", bucket_entries=500)
    for name, array in whole.arrays().items():
        assert np.array_equal(array, split.arrays()[name]), name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"t_{n}.npy" for n in whole.arrays())
    for text in ("a", "ab", "-_.", "ßs", "abab0"):
        assert _found(split, text) == _brute(random_ids, text), text
