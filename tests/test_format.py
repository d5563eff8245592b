from datetime import UTC, datetime, timedelta

import pytest

from lib.format import human_bytes, human_count, md_escape, relative_time

NOW = datetime(2026, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "–"), (0, "0 B"), (999, "999 B"), (1536, "1.5 KB"), (4_000_000_000, "4.0 GB"), (2.5e15, "2.5 PB")],
)
def test_human_bytes(value, expected):
    assert human_bytes(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "–"), (0, "0"), (950, "950"), (1_500, "1.5K"), (125_000_000, "125M"), (7_241_732_096, "7.24B")],
)
def test_human_count(value, expected):
    assert human_count(value) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(hours=5), "5 hours ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=400), "1 year ago"),
        (-timedelta(days=2), "in 2 days"),
    ],
)
def test_relative_time(delta, expected):
    assert relative_time(NOW - delta, now=NOW) == expected


def test_relative_time_naive_and_missing():
    assert relative_time(None) == "–"
    assert relative_time(datetime(2026, 1, 9), now=NOW) == "1 day ago"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("a_b*c", r"a\_b\*c"),
        ("[x](javascript:alert(1))", r"\[x\]\(javascript\:alert\(1\)\)"),
        ("<script>", r"\<script\>"),
        (":red[x]", r"\:red\[x\]"),
        ("$x$", r"\$x\$"),
        ("&amp;&copy;", r"\&amp;\&copy;"),  # an entity would read as the character it names
    ],
)
def test_md_escape(text, expected):
    assert md_escape(text) == expected
