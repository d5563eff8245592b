"""Meaning search: each repo's embedding, built once per index generation, and the nearest repos to a query.

What represents a repo (`RECIPE`, weights in `WEIGHTS`), as a weighted sum of unit vectors, normalised:

* the words of its id (``openai/whisper-large-v3`` -> "openai whisper large v3"): one vector per repo;
* its task in plain words (`TASK_WORDS`: "automatic speech recognition: transcribe spoken audio into text"),
  library, languages and tags: one vector per *vocabulary entry* of the index's coded fields, embedded once and
  shared; a repo's part is a sparse (rows x values) matrix times those vectors;
* its description, or the first paragraph of its card, where the data has one.

Each repo's vector is cached by a key that hashes its id and every input above (and the model's name, through
the cache's folder), so a new generation (after load, sync or rebuild) embeds only new or changed repos; the
others are copied from the previous generation's vectors or from the parts an interrupted build left behind.

Search: the rows that pass the query's filters are the candidates. Few (`EXACT_ROWS`): exact cosine over their
vectors. Many: the generation's HNSW graph (usearch, int8) gives the nearest `CANDIDATES`-ish rows, which are
then filtered. The candidates are rescored from their float16 vectors, plus a task-agreement term (the query
against each task's words) and a mild popularity prior (log downloads and likes), and the best `CANDIDATES`
are the matches: filters, facets, sorts and charts then work on them as on any other search.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lib.catalog.embedder import Embedder, normalize
from lib.catalog.fields import CodedField
from lib.catalog.index import KindIndex

#: Bump when what represents a repo changes: every cached vector is then embedded again.
RECIPE = 1
#: How many of the most similar repos (among those passing the filters) a meaning query matches.
CANDIDATES = 1000
#: At most this many candidate rows: exact search over their vectors; more: the HNSW graph.
EXACT_ROWS = 40_000
#: Below this many rows a generation gets no HNSW graph (exact search is fast enough).
GRAPH_MIN_ROWS = 50_000
#: The most neighbours asked of the graph when a filter keeps a small share of the rows.
GRAPH_MAX_K = 16_000
#: Weights of a repo's parts (each a unit vector before weighting).
WEIGHTS = {"id": 1.0, "task": 0.9, "library": 0.25, "language": 0.2, "tag": 0.5, "sdk": 0.2, "description": 0.9}
#: A row's score is its cosine to the query plus, where its task is one the query asks for, `TASK_BONUS` and
#: `POPULARITY_BONUS` x its popularity (log downloads + log likes, /30: about 0..1), both times the task's weight:
#: exp((agreement - best agreement) / `TASK_TEMPERATURE`), where agreement is the query's cosine to the task's
#: words (1 for the task that agrees best, 0.14 for one 0.1 lower). So among the repos of the task the query
#: describes the popular ones come first, as a person expects; a repo of an unrelated task gets no prior.
TASK_BONUS = 0.1
POPULARITY_BONUS = 0.5
TASK_TEMPERATURE = 0.05
#: Besides the graph's nearest rows, the most popular rows of each task weighing at least `POOL_MIN_WEIGHT` are
#: candidates (`POOL_PER_TASK` of each), so that a popular repo whose id says little is not missed.
POOL_PER_TASK = 300
POOL_MIN_WEIGHT = 0.1
#: The task weights also count how often each task occurs among the query's `NEIGHBOURS` nearest rows.
NEIGHBOURS = 100
NEIGHBOUR_SHARE = 0.5
NEIGHBOUR_WINDOW = 0.2
#: Kinds without tasks: a mild popularity prior for every row.
POPULARITY_PRIOR_NO_TASK = 0.06
#: Rows embedded per call (and saved as one part); rows gathered, written and added to the graph per block.
CHUNK = 20_000
BLOCK = 50_000
#: An earlier generation's graph is updated in place (gone keys removed, new ones added) when at most this share
#: of the rows changed, and while the changes since it was built afresh stay under the second share.
GRAPH_UPDATE_SHARE = 0.10
GRAPH_REBUILD_SHARE = 0.25
META_FILE = "semantic.json"
VECTORS_FILE = "sem__vectors.npy"
KEYS_FILE = "sem__keys.npy"
TASKS_FILE = "sem__tasks.npy"
GRAPH_FILE = "semantic.usearch"
PARTS_DIR = "embed-parts"

#: Every task id (lib.task_ids) in plain words: what a person asking for it would say.
TASK_WORDS: dict[str, str] = {
    "text-generation": "text generation: a language model that writes text, chats and answers as an assistant",
    "text2text-generation": "text to text generation: rewrite, translate or summarize text into new text",
    "fill-mask": "fill mask: predict the missing or masked word in a sentence",
    "text-classification": "text classification: label a sentence, sentiment analysis, detect spam or topics",
    "token-classification": "token classification: named entity recognition, find names, places and parts of speech",
    "question-answering": "question answering: extract the answer to a question from a passage of text",
    "zero-shot-classification": "zero shot classification: classify text into labels never seen in training",
    "summarization": "summarization: write a short summary of a long document or article",
    "translation": "translation: translate text from one language into another",
    "feature-extraction": "feature extraction: turn text into embedding vectors for search and retrieval",
    "sentence-similarity": "sentence similarity: sentence embeddings, semantic search, compare how similar texts are",
    "table-question-answering": "table question answering: answer questions about a table of data",
    "text-ranking": "text ranking: rerank search results by relevance to a query",
    "multiple-choice": "multiple choice: pick the right answer among several options",
    "image-text-to-text": "image text to text: a vision language model that chats about images",
    "visual-question-answering": "visual question answering: answer questions about a picture",
    "document-question-answering": "document question answering: answer questions about scanned documents and forms",
    "image-to-text": "image to text: describe a picture with a caption, read text in images (OCR)",
    "video-text-to-text": "video text to text: a model that answers and chats about videos",
    "any-to-any": "any to any: a multimodal model that takes and produces text, images and audio",
    "visual-document-retrieval": "visual document retrieval: find document pages and screenshots for a query",
    "image-classification": "image classification: recognize what a photo shows, label pictures",
    "object-detection": "object detection: find and locate objects in images with bounding boxes",
    "image-segmentation": "image segmentation: outline each object or region of an image pixel by pixel",
    "text-to-image": "text to image: generate pictures, art and photos from a text prompt, image generation diffusion",
    "image-to-image": "image to image: edit, restyle, upscale or restore a picture",
    "depth-estimation": "depth estimation: predict how far away each pixel of a photo is",
    "zero-shot-image-classification": "zero shot image classification: label pictures with any words (CLIP)",
    "zero-shot-object-detection": "zero shot object detection: find objects in images described by words",
    "mask-generation": "mask generation: segment anything, cut out objects from an image",
    "image-feature-extraction": "image feature extraction: embed pictures as vectors for image search",
    "image-to-video": "image to video: animate a still picture into a video clip",
    "text-to-video": "text to video: generate video clips from a text prompt",
    "video-classification": "video classification: recognize actions and scenes in videos",
    "unconditional-image-generation": "unconditional image generation: generate random pictures, GAN",
    "keypoint-detection": "keypoint detection: find body pose and landmark points in images",
    "text-to-3d": "text to 3d: generate three dimensional models and shapes from a prompt",
    "image-to-3d": "image to 3d: reconstruct a three dimensional model from a picture",
    "automatic-speech-recognition": "automatic speech recognition: transcribe spoken audio into written text, "
                                    "speech to text, dictation",
    "text-to-speech": "text to speech: read text aloud, synthesize a spoken voice",
    "text-to-audio": "text to audio: generate music and sound effects from a description",
    "audio-classification": "audio classification: recognize sounds, music genres, emotion or language in audio",
    "audio-to-audio": "audio to audio: enhance, denoise or separate sound sources, voice conversion",
    "voice-activity-detection": "voice activity detection: find where someone is speaking in a recording",
    "tabular-classification": "tabular classification: predict a category from rows of a spreadsheet table",
    "tabular-regression": "tabular regression: predict a number from rows of a spreadsheet table",
    "time-series-forecasting": "time series forecasting: predict future values of a sequence over time",
    "reinforcement-learning": "reinforcement learning: an agent that plays games and learns from rewards",
    "robotics": "robotics: control robot arms and movement policies",
    "graph-ml": "graph machine learning: learn from nodes and edges of graphs and molecules",
    "other": "other task",
}  # fmt: skip

#: Tags that say nothing of what a repo is for (their prefix, or the whole tag).
_NOISE_PREFIXES = ("arxiv:", "doi:", "base_model:", "license:", "region:", "endpoints_compatible",
                   "autotrain_compatible", "has_space", "text-generation-inference", "deploy:", "model-index",
                   "co2_eq_emissions", "size_categories:", "format:", "modality:", "library:")  # fmt: skip
_SPLIT = re.compile(r"[/_\-.:\s]+|(?<=[a-z])(?=[A-Z])")


def id_words(repo_id: str) -> str:
    """'openai/whisper-large-v3' -> 'openai whisper large v3'; 'TheBloke/Llama' -> 'The Bloke Llama'."""
    return " ".join(p for p in _SPLIT.split(repo_id) if p)


def value_text(field: str, value: str) -> str | None:
    """The words a field value is embedded as (None: not embedded)."""
    if field == "task":
        return TASK_WORDS.get(value, id_words(value))
    if field == "tag":
        if value.startswith(_NOISE_PREFIXES):
            return None
        return id_words(value.removeprefix("dataset:").removeprefix("task_categories:").removeprefix("task_ids:"))
    return id_words(value)


_HEADING = re.compile(r"^\s*(#|<|!\[|\||---|```|\[!)")


def first_paragraph(text: str, limit: int = 600) -> str:
    """The first paragraphs of a description or card (front matter, headings, images, tables skipped)."""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4 :] if end > 0 else text
    kept: list[str] = []
    size = 0
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(line for line in block.splitlines() if not _HEADING.match(line)).strip()
        if len(block) < 20:
            continue
        kept.append(block)
        size += len(block)
        if size >= limit:
            break
    return " ".join(kept)[:limit]


# --- what each repo is made of ------------------------------------------------------------------------------
_FIELDS = ("task", "library", "language", "tag", "sdk")


def _hash64(texts: list[str]) -> np.ndarray:
    import hashlib

    return np.fromiter((int.from_bytes(hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                                       "little") for t in texts), np.uint64, len(texts))  # fmt: skip


def _row_lists(coded: CodedField, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(CSR offsets, value codes) of every row's values, single- or multi-valued."""
    if coded.multi and coded.fwd_off is not None:
        return np.asarray(coded.fwd_off, np.int64), np.asarray(coded.fwd_val, np.int64)
    first = np.asarray(coded.first1, np.int64)
    has = first > 0
    off = np.zeros(n + 1, np.int64)
    np.cumsum(has, out=off[1:])
    return off, first[has] - 1


@dataclass
class Parts:
    """A generation's repo inputs: per-field value vectors and row lists, descriptions, and each row's key."""

    fields: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # name -> (offsets, codes, value vectors)
    descriptions: dict[int, str]
    keys: np.ndarray  # uint64 per row


def repo_parts(index: KindIndex, embedder: Embedder) -> Parts:
    """Everything a repo's vector is made of, and its cache key; the field vocabularies are embedded here."""
    n = index.n
    descriptions = _descriptions(index)
    keys = _hash64(index.ids.decoded())
    fields: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for salt, name in enumerate(_FIELDS, 1):
        coded = index.fields.get(name)
        if coded is None:
            continue
        names = coded.vocab.decoded()
        texts = [value_text(name, v) for v in names]
        embedded = [i for i, t in enumerate(texts) if t]
        vectors = np.zeros((len(names), embedder.dims), np.float32)
        if embedded:
            vectors[embedded] = embedder.encode([texts[i] for i in embedded])
        off, codes = _row_lists(coded, n)
        fields[name] = (off, codes, vectors)
        # a value's hash is that of the words it is embedded as: a change that does not change them (a license
        # tag, say) does not make a repo embedded again
        value_hash = _hash64([f"{name}={t}" for t in texts]) if names else np.zeros(0, np.uint64)
        value_hash[[i for i, t in enumerate(texts) if not t]] = 0
        with np.errstate(over="ignore"):  # each row's sum of its values' hashes, wrapping around
            running = np.zeros(codes.size + 1, np.uint64)
            np.cumsum(value_hash[codes], out=running[1:])
            per_row = running[off[1:]] - running[off[:-1]]
            keys = keys * np.uint64(1_000_003 + 2 * salt) + per_row
    if descriptions:
        rows = np.fromiter(descriptions, np.int64, len(descriptions))
        with np.errstate(over="ignore"):
            keys[rows] = keys[rows] * np.uint64(31) + _hash64(list(descriptions.values()))
    with np.errstate(over="ignore"):
        keys = keys * np.uint64(2_654_435_761) + np.uint64(RECIPE)
    return Parts(fields=fields, descriptions=descriptions, keys=keys)


def _descriptions(index: KindIndex) -> dict[int, str]:
    """Each row's description, else its card's first paragraphs (from the full-text file), where it has one."""
    by_key: dict[int, str] = {}
    path = index.folder / "fulltext.sqlite" if index.folder is not None else None
    if path is not None and path.exists():
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for key, description, card in con.execute("SELECT rowid, description, card FROM docs"):
                text = first_paragraph(description or "") or first_paragraph(card or "")
                if text:
                    by_key[int(key)] = text
        finally:
            con.close()
    if index.doc_keys is None or not by_key:  # a document's key is its row
        return by_key
    rows = index.doc_rows(np.fromiter(by_key, np.int64, len(by_key))).tolist()
    return dict(sorted(zip(rows, by_key.values(), strict=True)))


def embed_rows(rows: np.ndarray, index: KindIndex, parts: Parts, embedder: Embedder) -> np.ndarray:
    """Unit vectors (float32) of some rows: the weighted sum of their parts' unit vectors, normalised."""
    from scipy import sparse

    ids = [index.ids[int(r)] for r in rows]
    out = embedder.encode([id_words(i) for i in ids]) * WEIGHTS["id"]
    for name, (off, codes, vectors) in parts.fields.items():
        starts, ends = off[rows], off[rows + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            continue
        run = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
        cols = codes[run]
        indptr = np.zeros(rows.size + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        weights = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(np.float32)
        mean = np.asarray(sparse.csr_matrix((weights, cols, indptr), shape=(rows.size, vectors.shape[0])) @ vectors,
                          np.float32)  # fmt: skip
        out += normalize(mean) * WEIGHTS.get(name, 0.2)
    described = [i for i, r in enumerate(rows.tolist()) if r in parts.descriptions]
    if described:
        texts = [parts.descriptions[int(rows[i])] for i in described]
        out[described] += embedder.encode(texts) * WEIGHTS["description"]
    return normalize(out)


# --- building a generation's semantic index --------------------------------------------------------------------
@dataclass(frozen=True)
class EmbedReport:
    """The outcome of `Catalog.embed`: rows, how many were embedded now and how many reused, the model, seconds."""

    kind: str
    rows: int
    embedded: int
    reused: int
    model: str
    graph: bool
    seconds: float


@dataclass
class _Source:
    """Vectors embedded earlier with the same model: a previous generation's file or a part an interrupted build
    left behind. `keys` sorted, `order[i]` the file row of `keys[i]`. Rows are read through a memory map opened
    for each block and closed after it, so that the pages read do not stay in the build's resident memory."""

    keys: np.ndarray
    order: np.ndarray
    path: Path

    @classmethod
    def of(cls, keys: np.ndarray, path: Path) -> _Source:
        order = np.argsort(keys, kind="stable")
        return cls(np.asarray(keys)[order], order, path)

    def lookup(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which of `wanted` this source has, their rows in its file)."""
        if not self.keys.size:
            return np.zeros(wanted.size, bool), np.zeros(0, np.int64)
        at = np.minimum(np.searchsorted(self.keys, wanted), self.keys.size - 1)
        hit = self.keys[at] == wanted
        return hit, self.order[at[hit]]

    def read(self, file_rows: np.ndarray) -> np.ndarray:
        vectors = np.load(self.path, mmap_mode="r")
        try:
            sorter = np.argsort(file_rows, kind="stable")
            out = np.empty((file_rows.size, vectors.shape[1]), np.float16)
            out[sorter] = vectors[file_rows[sorter]]
            return out
        finally:
            del vectors


def _sources(folders: list[Path], parts_dir: Path, model: str) -> list[_Source]:
    """Earlier generations embedded with `model` (newest first) and the parts of an interrupted build."""
    found: list[_Source] = []
    for folder in folders:
        meta = read_meta(folder)
        if meta is None or meta.get("model") != model or meta.get("recipe") != RECIPE:
            continue
        found.append(_Source.of(np.load(folder / KEYS_FILE), folder / VECTORS_FILE))
    if parts_dir.is_dir():
        for keys_file in sorted(parts_dir.glob("part-*.keys.npy")):
            vectors_file = keys_file.with_name(keys_file.name.replace(".keys.npy", ".vectors.npy"))
            try:
                found.append(_Source.of(np.load(keys_file), vectors_file))
            except (OSError, ValueError):
                continue
    return found


def _save_part(parts_dir: Path, keys: np.ndarray, vectors: np.ndarray) -> None:
    """One embedded chunk, for a build interrupted later: the vectors first, the keys (renamed into place) last."""
    stem = parts_dir / f"part-{time.time_ns()}"
    np.save(stem.with_name(stem.name + ".vectors.npy"), vectors)
    tmp = stem.with_name(stem.name + ".keys.tmp.npy")
    np.save(tmp, keys)
    os.replace(tmp, stem.with_name(stem.name + ".keys.npy"))


def _previous_graph(folders: list[Path], model: str) -> tuple[Path, dict[str, Any]] | None:
    """The newest earlier generation with a graph keyed by repo key, built with `model`."""
    for folder in folders:
        meta = read_meta(folder)
        if meta is None or meta.get("model") != model or meta.get("recipe") != RECIPE:
            continue
        if meta.get("graph") and meta.get("graph_keys") == "repo" and (folder / GRAPH_FILE).exists():
            return folder, meta
    return None


def _link_or_copy(source: Path, target: Path) -> None:
    """A generation's file shared with an earlier one (they never change once written), else copied."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def build(index: KindIndex, embedder: Embedder, *, model: str, previous: list[Path], parts_dir: Path,
          progress: Callable[[str, float, int, int], None]) -> EmbedReport:  # fmt: skip
    """Embed every row of `index` (reusing cached vectors) and save the semantic files into its folder.

    One pass over the rows in blocks of `BLOCK`: each block's vectors are gathered from earlier generations and
    parts or embedded (and saved as a part), written to the vectors file and added to the graph, so the build
    holds one block of vectors at a time besides the graph. The graph is keyed by each repo's key (not its row),
    so an earlier generation's graph is reused as it is when the repos are the same, and updated in place (old
    keys removed, new ones added) when few changed; else it is built afresh."""
    assert index.folder is not None
    folder = index.folder
    started = time.perf_counter()
    n = index.n
    progress("Preparing repo texts", 0.0, 0, n)
    parts = repo_parts(index, embedder)
    keys = parts.keys
    sources = _sources(previous, parts_dir, model)
    where = np.full(n, -1, np.int32)  # the source of each row's vector (-1: embed it)
    at = np.zeros(n, np.int64)  # its row in that source's file
    for number, source in enumerate(sources):
        todo = np.flatnonzero(where < 0)
        hit, rows_in_file = source.lookup(keys[todo])
        where[todo[hit]] = number
        at[todo[hit]] = rows_in_file
    missing = np.flatnonzero(where < 0)
    reused = n - missing.size
    graph = n >= GRAPH_MIN_ROWS
    by_repo = graph and np.unique(keys).size == n  # a 64-bit key collision: rows as graph keys
    plan, graph_index, add, removed = "none", None, None, 0
    earlier = _previous_graph(previous, model) if by_repo and not missing.size else None
    if earlier is not None and np.array_equal(np.load(earlier[0] / KEYS_FILE), keys):
        # the same repos in the same rows with the same vectors: this generation shares the earlier files
        _link_or_copy(earlier[0] / VECTORS_FILE, folder / f".{VECTORS_FILE}.tmp")
        _link_or_copy(earlier[0] / GRAPH_FILE, folder / f".{GRAPH_FILE}.tmp")
        plan = "reused"
    else:
        earlier = _previous_graph(previous, model) if by_repo else None
        if graph:
            graph_index, plan, add, removed = _graph_plan(keys if by_repo else None, earlier, n, embedder.dims)
        parts_dir.mkdir(parents=True, exist_ok=True)
        _write_vectors(folder / f".{VECTORS_FILE}.tmp", index, parts, embedder, sources, where, at, parts_dir,
                       graph_index, add, by_repo, progress)  # fmt: skip
        if graph_index is not None:
            progress("Saving the vector index", 0.98, n, n)
            graph_index.save(str(folder / f".{GRAPH_FILE}.tmp"))
            del graph_index
    np.save(folder / f".{KEYS_FILE}.tmp.npy", keys)
    np.save(folder / f".{TASKS_FILE}.tmp.npy", _task_vectors(index, parts))
    os.replace(folder / f".{VECTORS_FILE}.tmp", folder / VECTORS_FILE)
    os.replace(folder / f".{KEYS_FILE}.tmp.npy", folder / KEYS_FILE)
    os.replace(folder / f".{TASKS_FILE}.tmp.npy", folder / TASKS_FILE)
    if graph:
        os.replace(folder / f".{GRAPH_FILE}.tmp", folder / GRAPH_FILE)
    seconds = time.perf_counter() - started
    changes = 0  # keys added to and removed from the graph since it was built afresh
    if plan in ("updated", "reused") and earlier is not None:
        changes = int(earlier[1].get("graph_changes", 0)) + (int(add.sum()) + removed if add is not None else 0)
    meta = {"model": model, "recipe": RECIPE, "dims": embedder.dims, "rows": n, "embedded": int(missing.size),
            "reused": int(reused), "graph": graph, "graph_keys": "repo" if by_repo else "rows",
            "graph_built": plan, "graph_changes": changes, "seconds": round(seconds, 2)}  # fmt: skip
    tmp = folder / f".{META_FILE}.tmp"
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(tmp, folder / META_FILE)
    for part in parts_dir.glob("part-*"):  # the generation holds them now
        part.unlink(missing_ok=True)
    return EmbedReport(kind=index.kind, rows=n, embedded=int(missing.size), reused=int(reused), model=model,
                       graph=graph, seconds=seconds)  # fmt: skip


def _task_vectors(index: KindIndex, parts: Parts) -> np.ndarray:
    task = parts.fields.get("task")
    return task[2].astype(np.float16) if task is not None else np.zeros((0, 1), np.float16)


def _graph_plan(keys: np.ndarray | None, earlier: tuple[Path, dict[str, Any]] | None, n: int,
                dims: int) -> tuple[Any, str, np.ndarray, int]:  # fmt: skip
    """(graph, "built" or "updated", which rows to add to it, how many keys were removed from it): an earlier
    generation's graph (keyed by repo key) with the gone keys removed when few keys changed, else a new one."""
    from usearch.index import Index

    if keys is not None and earlier is not None:
        folder, meta = earlier
        before = np.load(folder / KEYS_FILE)
        add = ~np.isin(keys, before)
        gone = np.setdiff1d(before, keys)
        changes = int(add.sum()) + gone.size
        if changes <= GRAPH_UPDATE_SHARE * n and int(meta.get("graph_changes", 0)) + changes <= GRAPH_REBUILD_SHARE * n:
            graph = Index.restore(str(folder / GRAPH_FILE), view=False)
            if graph is not None:
                if gone.size:
                    graph.remove(gone.astype(np.uint64))
                return graph, "updated", add, int(gone.size)
    graph = Index(ndim=dims, metric="ip", dtype="i8", connectivity=16, expansion_add=48, expansion_search=64)
    return graph, "built", np.ones(n, bool), 0


def _write_vectors(path: Path, index: KindIndex, parts: Parts, embedder: Embedder, sources: list[_Source],
                   where: np.ndarray, at: np.ndarray, parts_dir: Path, graph: Any, add: np.ndarray | None,
                   by_repo: bool, progress: Callable[[str, float, int, int], None]) -> None:  # fmt: skip
    """The vectors file (float16, row order) written block by block, each block added to `graph` as it goes."""
    n, dims = index.n, embedder.dims
    todo_total = int((where < 0).sum())
    reused = n - todo_total
    done = 0
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float16)), "fortran_order": False, "shape": (n, dims)}
    with open(path, "wb") as out:
        np.lib.format.write_array_header_1_0(out, header)
        for lo in range(0, n, BLOCK):
            hi = min(n, lo + BLOCK)
            block = np.empty((hi - lo, dims), np.float16)
            source_of = where[lo:hi]
            for number in np.unique(source_of[source_of >= 0]).tolist():
                picked = np.flatnonzero(source_of == number)
                block[picked] = sources[number].read(at[lo:hi][picked])
            todo = np.flatnonzero(source_of < 0)
            for start in range(0, todo.size, CHUNK):
                picked = todo[start : start + CHUNK]
                rows = picked + lo
                embedded = embed_rows(rows, index, parts, embedder).astype(np.float16)
                block[picked] = embedded
                _save_part(parts_dir, parts.keys[rows], embedded)
                done += rows.size
                progress(f"Embedding {index.kind}: {done:,} of {todo_total:,} new ({reused:,} reused)",
                         0.95 * hi / n, done, todo_total)  # fmt: skip
            out.write(block.data)
            if graph is not None and add is not None:
                adding = np.flatnonzero(add[lo:hi])
                if adding.size:
                    graph_keys = parts.keys[lo:hi] if by_repo else np.arange(lo, hi, dtype=np.uint64)
                    graph.add(graph_keys[adding], block[adding], threads=os.cpu_count() or 1)
                progress(f"Building the vector index: {hi:,} of {n:,}", 0.95 * hi / n, hi, n)


def read_meta(folder: Path | None) -> dict[str, Any] | None:
    """A generation's semantic metadata, or None when it has no embeddings."""
    if folder is None:
        return None
    try:
        return json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- searching -----------------------------------------------------------------------------------------------
class SemanticIndex:
    """One generation's repo vectors (float16, mmap), its task vectors and its HNSW graph (when built)."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.meta = meta
        self.vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
        self.tasks = np.asarray(np.load(folder / TASKS_FILE), np.float32)
        self.graph = None
        self.folder = folder
        self._key_rows: tuple[np.ndarray, np.ndarray] | None = None  # (repo keys sorted, their rows)
        self._pools: list[np.ndarray] | None = None  # per task code, its most popular rows
        if meta.get("graph") and (folder / GRAPH_FILE).exists():
            from usearch.index import Index

            self.graph = Index.restore(str(folder / GRAPH_FILE), view=True)

    def _rows_of(self, graph_keys: np.ndarray) -> np.ndarray:
        """The rows of the graph's keys: repo keys (see `build`), or the rows themselves in older generations."""
        if self.meta.get("graph_keys") != "repo":
            return graph_keys.astype(np.int64)
        if self._key_rows is None:
            keys = np.load(self.folder / KEYS_FILE)
            order = np.argsort(keys)
            self._key_rows = (keys[order], order.astype(np.int64))
        keys, rows = self._key_rows
        graph_keys = np.sort(graph_keys)  # sorted needles: each search starts where the last one ended
        at = np.minimum(np.searchsorted(keys, graph_keys), keys.size - 1)
        return rows[at[keys[at] == graph_keys]]

    def nearest(self, index: KindIndex, query: np.ndarray, rows: Any) -> tuple[np.ndarray, np.ndarray]:
        """(rows ascending, scores: lower is better) of the `CANDIDATES` repos nearest `query` among `rows`
        (a `lib.catalog.search.RowSet` of the rows that pass the filters)."""
        count = rows.count()
        if count == 0 or not np.any(query):
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        graph = self.graph is not None and count > EXACT_ROWS
        if graph:
            k = min(index.n, GRAPH_MAX_K, int(CANDIDATES * 2 * index.n / count) + 1)
            candidates = self._rows_of(np.asarray(self.graph.search(query, k).keys, np.uint64))
            mask = None if rows.is_all else rows.to_mask()
            if mask is not None:
                candidates = candidates[mask[candidates]]
        else:
            candidates = np.asarray(rows.to_idx(), np.int64)
        cosines = self._cosines(query, candidates)
        weights = self._task_weights(index, query, candidates, cosines)
        if graph and weights is not None:
            pool = np.setdiff1d(self._popular(index, weights), candidates)
            if mask is not None:
                pool = pool[mask[pool]]
            candidates = np.concatenate([candidates, pool])
            cosines = np.concatenate([cosines, self._cosines(query, pool)])
        scores = cosines + self._prior(index, candidates, weights)
        if candidates.size > CANDIDATES:
            best = np.argpartition(-scores, CANDIDATES - 1)[:CANDIDATES]
            candidates, scores = candidates[best], scores[best]
        order = np.argsort(candidates)
        return candidates[order], -scores[order].astype(np.float64)

    def _cosines(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.empty(rows.size, np.float32)
        for lo in range(0, rows.size, 65_536):
            chunk = rows[lo : lo + 65_536]
            if chunk.size:
                sorter = np.argsort(chunk, kind="stable")  # in file order: a memory map reads ahead
                out[lo + sorter] = np.asarray(self.vectors[chunk[sorter]], np.float32) @ query
        return out

    def _task_weights(self, index: KindIndex, query: np.ndarray, rows: np.ndarray,
                      cosines: np.ndarray) -> np.ndarray | None:  # fmt: skip
        """Each task code's weight for this query (code 0, no task: 0), or None for a kind without tasks: from the
        query's agreement with the task's words plus `NEIGHBOUR_SHARE` x the share of the task among the
        `NEIGHBOURS` rows nearest the query (so "pictures from a prompt" leans to text-to-image, whose repos are
        nearest, though its words agree a little more with text-to-video's)."""
        if not self.tasks.shape[0] or "task" not in index.fields:
            return None
        known = np.any(self.tasks, axis=1)
        if not known.any():
            return None
        agree = self.tasks @ query
        if rows.size:
            nearest = np.argpartition(-cosines, NEIGHBOURS - 1)[:NEIGHBOURS] if rows.size > NEIGHBOURS else slice(None)
            near = np.asarray(index.fields["task"].first1[rows[nearest]], np.int64)
            share = np.bincount(near, minlength=agree.size + 1)[1 : agree.size + 1] / near.size
            close = agree >= agree[known].max() - NEIGHBOUR_WINDOW  # the neighbours choose among these only
            agree = agree + NEIGHBOUR_SHARE * share * close
        weights = np.where(known, np.exp((agree - agree[known].max()) / TASK_TEMPERATURE), 0.0)
        return np.concatenate(([0.0], weights)).astype(np.float32)

    def _popular(self, index: KindIndex, weights: np.ndarray) -> np.ndarray:
        """The `POOL_PER_TASK` most popular rows of each task weighing at least `POOL_MIN_WEIGHT`."""
        if self._pools is None:
            task = np.asarray(index.fields["task"].first1, np.int64)
            order = np.argsort(-_popularity(index, np.arange(index.n)), kind="stable")
            by_task = order[np.argsort(task[order], kind="stable")]  # grouped by task, most popular first
            starts = np.searchsorted(task[by_task], np.arange(weights.size + 1))
            self._pools = [by_task[starts[t] : min(starts[t + 1], starts[t] + POOL_PER_TASK)]
                           for t in range(weights.size)]  # fmt: skip
        picked = [self._pools[t] for t in np.flatnonzero(weights >= POOL_MIN_WEIGHT).tolist() if t < len(self._pools)]
        return np.concatenate(picked).astype(np.int64) if picked else np.zeros(0, np.int64)

    def _prior(self, index: KindIndex, rows: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        """What a row's task agreeing with the query and its popularity add to its cosine."""
        popularity = _popularity(index, rows)
        if weights is None:
            return POPULARITY_PRIOR_NO_TASK * popularity
        weight = weights[np.asarray(index.fields["task"].first1[rows], np.int64)]
        return weight * (TASK_BONUS + POPULARITY_BONUS * popularity)


def _popularity(index: KindIndex, rows: np.ndarray) -> np.ndarray:
    """About 0..1: (log downloads + log likes) / 30."""
    downloads = np.maximum(index.numbers["downloads"][rows], 0)
    likes = np.maximum(index.numbers["likes"][rows], 0)
    return ((np.log1p(downloads) + np.log1p(likes)) / 30.0).astype(np.float32)
