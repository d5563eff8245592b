"""Full-text search over descriptions and card text: SQLite FTS5 (in Python's standard library), ranked by BM25.

This is a separate mode from the id search: words, not substrings, with stemming (`porter`) and accents folded.
The FTS table's rowid is the row number in the index generation it is built with, so a hit is a row at once.
A person's words are never passed as FTS syntax: every word becomes a quoted term, and all must appear.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np

FILE_NAME = "fulltext.sqlite"
_WORD = re.compile(r"\w+", re.UNICODE)


def terms_of(text: str) -> list[str]:
    """The words of a full-text query (letters, digits and underscores; everything else separates words)."""
    return _WORD.findall(text)


def match_expression(text: str) -> str | None:
    """An FTS5 MATCH expression requiring every word of `text`, each quoted so that nothing is syntax."""
    words = terms_of(text)
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def build(path: Path, docs: Iterable[tuple[int, str | None, str | None]]) -> int:
    """Write the FTS file for (row, description, card text) triples; returns how many rows have any text."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(description, card, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        rows = ((row, d, c) for row, d, c in docs if d or c)
        con.executemany("INSERT INTO docs(rowid, description, card) VALUES (?, ?, ?)", rows)
        count = con.execute("SELECT count(*) FROM docs").fetchone()[0]
        con.commit()
        con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        con.commit()
    finally:
        con.close()
    return int(count)


def search(path: Path, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows, scores) of every document matching all words of `text`; lower scores are better (BM25)."""
    expression = match_expression(text)
    if expression is None or not path.exists():
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = con.execute("SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH ?", [expression]).fetchall()
    finally:
        con.close()
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    rows = np.fromiter((r for r, _ in found), np.int64, len(found))
    scores = np.fromiter((s for _, s in found), np.float64, len(found))
    order = np.argsort(rows)
    return rows[order], scores[order]
