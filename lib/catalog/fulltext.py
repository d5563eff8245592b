"""Full-text search over what a repo is about: SQLite FTS5 (in Python's standard library), ranked by BM25.

Every repo has a document, in columns weighted for BM25 (`WEIGHTS`): the words of its id (`id_words`), its
task(s) in words, its library and tags, and, where the dump has them, its description and card text. So a word of
the name or the task ranks a repo above one whose card merely mentions it.

This is a separate mode from the id search: words, not substrings, with stemming (`porter`) and accents folded.
The FTS table's rowid is the row number in the index generation it is built with, so a hit is a row at once.
A person's words are never passed as FTS syntax: every word becomes a quoted term, and all must appear.

`FORMAT` is written into the generation's meta.json (`fulltext_format`); a generation built with another format
answers names only and asks for ``python -m lib.catalog rebuild`` (see `Catalog._modes`).
"""

from __future__ import annotations

import queue
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from lib.catalog.index import ColumnSource

FILE_NAME = "fulltext.sqlite"
FORMAT = 2  # 1: description and card only; 2: + id words, task, tags (columns of `COLUMNS`)

#: The document's columns and their BM25 weights, best first.
COLUMNS: tuple[str, ...] = ("name", "task", "tags", "description", "card")
WEIGHTS: tuple[float, ...] = (10.0, 8.0, 3.0, 2.0, 1.0)
#: Where a snippet is taken from: the first of these columns that matched (the text a results table does not show
#: first), with the words that say which field it is (none for a description or card).
SNIPPET_ORDER: tuple[tuple[str, str], ...] = (
    ("description", ""), ("card", ""), ("task", "Task: "), ("name", "Name: "), ("tags", "Tags: "),
)  # fmt: skip
SNIPPET_CHARS = 160

_WORD = re.compile(r"\w+", re.UNICODE)
_SEGMENT = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: "_" separates like "-", "/" and "."
# Markers of a matched word in FTS5's highlight(): private-use characters, removed from every stored text first
# so that no text can forge them.
_OPEN, _CLOSE = "\ue000", "\ue001"


def _unmarked(text: str) -> str:
    """`text` without the highlight markers. Texts rarely hold them, so most are returned as they are: two
    searches in C, where `str.translate` would rebuild every text (3.2 s against 0.8 s for the 760k snapshot)."""
    return text.replace(_OPEN, "").replace(_CLOSE, "") if _OPEN in text or _CLOSE in text else text


_SPACES = re.compile(r"\s+")

Pieces = tuple[tuple[str, bool], ...]
T = TypeVar("T")


def terms_of(text: str) -> list[str]:
    """The words of a full-text query (letters, digits and underscores; everything else separates words)."""
    return _WORD.findall(text)


def match_expression(text: str) -> str | None:
    """An FTS5 MATCH expression requiring every word of `text`, each quoted so that nothing is syntax."""
    words = terms_of(text)
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def id_words(repo_id: str) -> str:
    """The words of a repo id: its segments (split on / - _ . and every other symbol), then, for a segment that
    splits further at digit/letter or camelCase boundaries, its parts. "openai/whisper-large-v3" -> "openai whisper
    large v3 v 3"; "Qwen/Qwen2-0.5B" -> "Qwen Qwen2 0 5B Qwen 2 5 B"; "FacebookAI" -> "FacebookAI Facebook AI"."""
    segments = _SEGMENT.findall(repo_id)
    parts = [p for s in segments if not _ONE_PART(s) and len(split := _parts(s)) > 1 for p in split]
    return " ".join(segments + parts)


_ASCII_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+").findall  # what the loop below does
_ONE_PART = re.compile(r"[a-z]+|[A-Z]?[a-z]*|[A-Z]+|\d+").fullmatch  # most segments: no need to split them


def _parts(segment: str) -> list[str]:
    """A run of letters and digits split where digits meet letters, before a capital that follows a lowercase
    letter ("FacebookAI"), and before the last capital of an acronym followed by lowercase ("XMLHttp")."""
    if segment.isascii():
        return _ASCII_PARTS(segment)
    parts: list[str] = []
    start = 0
    for i in range(1, len(segment)):
        prev, ch = segment[i - 1], segment[i]
        nxt = segment[i + 1] if i + 1 < len(segment) else ""
        if (
            prev.isdigit() != ch.isdigit()
            or (prev.islower() and ch.isupper())
            or (prev.isupper() and ch.isupper() and nxt.islower())
        ):
            parts.append(segment[start:i])
            start = i
    parts.append(segment[start:])
    return parts


def task_words(task: str) -> str:
    """A task id in words: "automatic-speech-recognition" -> "automatic speech recognition"."""
    return " ".join(_SEGMENT.findall(task.replace("text2text", "text-to-text")))


def build(path: Path, docs: Iterable[Sequence[object]]) -> int:
    """Write the FTS file for (row, name, task, tags, description, card) documents (None for a missing column),
    rows ascending; returns how many rows have any text.

    Built for speed on a fresh file: no journal and no syncs (a failed build leaves a file nobody opens: the
    generation's folder is removed), one transaction, no merging of the index's segments while inserting but
    one `optimize` at the end, and the documents made in a second thread (`_ahead`) while SQLite indexes the
    previous ones (SQLite runs without holding Python's lock)."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute(
            f"CREATE VIRTUAL TABLE docs USING fts5({', '.join(COLUMNS)}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        con.execute("INSERT INTO docs(docs, rank) VALUES ('automerge', 0)")  # opens the one transaction
        con.executemany(_INSERT, _ahead(_rows(docs)))
        count = con.execute("SELECT count(*) FROM docs").fetchone()[0]
        con.commit()
        con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        con.execute("INSERT INTO docs(docs, rank) VALUES ('automerge', 4)")  # FTS5's default, for later writes
        con.commit()
    finally:
        con.close()
    return int(count)


_INSERT = f"INSERT INTO docs(rowid, {', '.join(COLUMNS)}) VALUES ({', '.join('?' * (len(COLUMNS) + 1))})"


def _rows(docs: Iterable[Sequence[object]]) -> Iterator[tuple[object, ...]]:
    """The documents that have any text, as rows to insert (highlight markers removed from their texts)."""
    return ((key, *(_unmarked(t) if isinstance(t, str) else None for t in texts)) for key, *texts in docs if any(texts))


def patch(previous: Path, path: Path, removed: Sequence[int], docs: Iterable[Sequence[object]]) -> tuple[int, int]:
    """Write at `path` the FTS file `previous` with the documents `removed` (keys) taken out and `docs` (as for
    `build`, keys for rows) put in; returns (documents taken out, documents put in). For a refresh's few thousand
    repos this is seconds where `build` takes minutes at today's Hub size: the file is copied and updated in one
    transaction, without the journal (a failed patch leaves a file nobody opens, as a failed build does)."""
    path.unlink(missing_ok=True)
    shutil.copyfile(previous, path)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("BEGIN")
        taken = 0
        keys = [int(k) for k in removed]
        for at in range(0, len(keys), 500):  # SQLite's limit on parameters
            chunk = keys[at : at + 500]
            marks = ", ".join("?" * len(chunk))
            # counted first: FTS5's own writes to its tables count among the connection's changes
            taken += con.execute(f"SELECT count(*) FROM docs WHERE rowid IN ({marks})", chunk).fetchone()[0]
            con.execute(f"DELETE FROM docs WHERE rowid IN ({marks})", chunk)
        rows = list(_rows(docs))
        con.executemany(_INSERT, rows)
        con.commit()
    finally:
        con.close()
    return taken, len(rows)


def _ahead(items: Iterable[T], chunk: int = 5000, depth: int = 8) -> Iterator[T]:
    """`items`, produced in a background thread `chunk` at a time (at most `depth` chunks ahead). An exception
    in the producer is raised here."""
    chunks: queue.Queue[list[T] | BaseException | None] = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            batch: list[T] = []
            for item in items:
                batch.append(item)
                if len(batch) >= chunk:
                    chunks.put(batch)
                    batch = []
                    if stop.is_set():
                        return
            chunks.put(batch)
            chunks.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            chunks.put(exc)

    worker = threading.Thread(target=produce, name="fulltext-docs", daemon=True)
    worker.start()
    try:
        while (got := chunks.get()) is not None:
            if isinstance(got, BaseException):
                raise got
            yield from got
    finally:
        stop.set()
        while worker.is_alive():  # let a blocked producer finish
            try:
                chunks.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def search(path: Path, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows, scores) of every document matching all words of `text`; lower scores are better (BM25, weighted
    by column: `WEIGHTS`)."""
    expression = match_expression(text)
    if expression is None or not path.exists():
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    con = _connect(path)
    try:
        weights = ", ".join("?" * len(WEIGHTS))
        found = con.execute(
            f"SELECT rowid, bm25(docs, {weights}) FROM docs WHERE docs MATCH ?", [*WEIGHTS, expression]
        ).fetchall()
    finally:
        con.close()
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    rows = np.fromiter((r for r, _ in found), np.int64, len(found))
    scores = np.fromiter((s for _, s in found), np.float64, len(found))
    order = np.argsort(rows)
    return rows[order], scores[order]


def snippets(path: Path, text: str, ids: Mapping[int, str], *, width: int = SNIPPET_CHARS) -> dict[int, Pieces]:
    """For each row of `ids` (row -> repo id) that matches `text`: where it matched, as (piece, matched) pairs in
    reading order, the matched words marked as FTS5 itself matched them (stemmed, accents folded); about `width`
    characters around the first match of the first column of `SNIPPET_ORDER` that matched, cut with "…". A match
    in the name is shown as the repo id itself with the matched words marked."""
    expression = match_expression(text)
    if expression is None or not ids or not path.exists():
        return {}
    shown = [COLUMNS.index(name) for name, _ in SNIPPET_ORDER]
    marked = ", ".join(f"highlight(docs, {i}, ?, ?)" for i in shown)
    params = [m for _ in shown for m in (_OPEN, _CLOSE)]
    rows = [int(r) for r in ids]
    con = _connect(path)
    try:
        found = con.execute(
            f"SELECT rowid, {marked} FROM docs WHERE docs MATCH ? AND rowid IN ({', '.join('?' * len(rows))})",
            [*params, expression, *rows],
        ).fetchall()
    finally:
        con.close()
    out: dict[int, Pieces] = {}
    for row, *texts in found:
        for (name, label), value in zip(SNIPPET_ORDER, texts, strict=True):
            if value and _OPEN in value:
                pieces = split_marked(_SPACES.sub(" ", value).strip())
                if name == "name":
                    pieces = mark_id(ids[row], {p for p, matched in pieces if matched})
                pieces = cut(pieces, width)
                out[int(row)] = ((label, False), *pieces) if label else pieces
                break
    return out


def mark_id(repo_id: str, words: set[str]) -> list[tuple[str, bool]]:
    """`repo_id` as (piece, matched) pairs, its id words (`id_words`: segments, then their parts) that are among
    `words` marked."""
    marked = [False] * len(repo_id)
    for m in _SEGMENT.finditer(repo_id):
        if m.group() in words:
            marked[m.start():m.end()] = [True] * (m.end() - m.start())
            continue
        at = m.start()
        for part in _parts(m.group()):
            if part in words:
                marked[at:at + len(part)] = [True] * len(part)
            at += len(part)
    pieces: list[tuple[str, bool]] = []
    for ch, flag in zip(repo_id, marked, strict=True):
        if pieces and pieces[-1][1] == flag:
            pieces[-1] = (pieces[-1][0] + ch, flag)
        else:
            pieces.append((ch, flag))
    return pieces


def split_marked(value: str) -> list[tuple[str, bool]]:
    """A highlighted text as (piece, matched) pairs: the pieces between `_OPEN` and `_CLOSE` are matched."""
    pieces: list[tuple[str, bool]] = []
    for i, chunk in enumerate(re.split(f"[{_OPEN}{_CLOSE}]", value)):
        if chunk:
            pieces.append((chunk, i % 2 == 1))
    return pieces


def cut(pieces: Sequence[tuple[str, bool]], width: int) -> Pieces:
    """About `width` characters of `pieces` around the first matched piece (a third of them before it), cut at
    spaces and never inside a matched piece; "…" where text was left out."""
    total = sum(len(p) for p, _ in pieces)
    if total <= width:
        return tuple(pieces)
    first = 0
    for piece, matched in pieces:
        if matched:
            break
        first += len(piece)
    start = max(0, min(first - width // 3, total - width))
    end = start + width
    out: list[tuple[str, bool]] = []
    at = 0
    for piece, matched in pieces:
        lo, hi = at, at + len(piece)
        at = hi
        if hi <= start or lo >= end:
            continue
        if not matched:
            whole = piece
            piece = whole[max(0, start - lo): end - lo]
            if lo < start and whole[start - lo - 1] != " " and " " in piece:  # begin at a word
                piece = piece[piece.index(" ") + 1:]
            if hi > end and whole[end - lo] != " " and " " in piece:  # end at a word
                piece = piece[: piece.rindex(" ")]
        if piece:
            out.append((piece, matched))
    if start > 0:
        out.insert(0, ("… ", False))
    if end < total:
        out.append((" …", False))
    return tuple(out)


def documents(source: ColumnSource) -> Iterator[tuple[int, str, str | None, str | None, str | None, str | None]]:
    """Every row's full-text document (see `COLUMNS`): id words, task(s) in words (a model's
    `pipeline_tag`, a dataset's `task_categories:` tags), library and tags in words, description, card text.
    Read a batch of rows at a time."""
    words = _Words()
    # Many repos share their task, library and tags exactly (one base model's fine-tunes): their words are made
    # once. Bounded, so that a catalog of all-different tag lists does not grow it without end.
    seen: dict[tuple[Any, ...], tuple[str | None, str | None]] = {}
    row = 0
    names = ("id", "pipeline_tag", "library_name", "tags", "description", "card_text")
    for batch in source.batches(names, FULLTEXT_BATCH):
        columns = [batch.column(name).to_pylist() for name in names]
        for repo_id, pipeline_tag, library, tags, description, card in zip(*columns, strict=True):
            key = (pipeline_tag, library, *(tags or ()))
            made = seen.get(key)
            if made is None:
                tags = tags or ()
                tasks = [pipeline_tag] if pipeline_tag else []
                tasks += [t[len(_TASK_TAG):] for t in tags if t.startswith(_TASK_TAG)]
                kept = [t for t in tags if not t.startswith(_NOISE_TAGS) and t != pipeline_tag and t != library]
                task = " ".join(dict.fromkeys(words[t] for t in tasks)) or None
                tag_words = " ".join(words[t] for t in ([library] if library else []) + kept) or None
                made = (task, tag_words)
                if len(seen) >= _SEEN_LIMIT:
                    seen.clear()
                seen[key] = made
            yield row, id_words(repo_id), *made, description, card
            row += 1


FULLTEXT_BATCH = 50_000
_SEEN_LIMIT = 200_000  # distinct (task, library, tags) whose words are kept while making documents


class _Words(dict[str, str]):
    """Tag and task words, each distinct value split once (a few thousand values over hundreds of thousands of rows)."""

    def __missing__(self, value: str) -> str:
        self[value] = task_words(value)
        return self[value]


_TASK_TAG = "task_categories:"
#: Tags that say nothing about what a repo is: the region every repo of the Hub is stored in, paper ids.
_NOISE_TAGS = ("region:", "arxiv:", _TASK_TAG)
