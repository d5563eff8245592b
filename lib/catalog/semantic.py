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
#: How much a row's task agreeing with the query, and its popularity (0..1), add to its cosine score.
TASK_BONUS = 0.15
POPULARITY_BONUS = 0.06
CHUNK = 20_000
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
    out: dict[int, str] = {}
    path = index.folder / "fulltext.sqlite" if index.folder is not None else None
    if path is not None and path.exists():
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for row, description, card in con.execute("SELECT rowid, description, card FROM docs"):
                text = first_paragraph(description or "") or first_paragraph(card or "")
                if text:
                    out[int(row)] = text
        finally:
            con.close()
    return out


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


def _sources(folders: list[Path], parts_dir: Path, model: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(keys sorted, vectors) from earlier generations embedded with `model` and from an interrupted build."""
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for folder in folders:
        meta = read_meta(folder)
        if meta is None or meta.get("model") != model:
            continue
        keys = np.load(folder / KEYS_FILE, mmap_mode="r")
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
        order = np.argsort(keys, kind="stable")
        found.append((np.asarray(keys)[order], vectors[order] if len(vectors) < 50_000 else _Gather(vectors, order)))
    if parts_dir.is_dir():
        for part in sorted(parts_dir.glob("part-*.npz")):
            try:
                with np.load(part) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue
            order = np.argsort(keys, kind="stable")
            found.append((keys[order], vectors[order]))
    return found


class _Gather:
    """Rows of a (memory-mapped) array through an order, without materialising the reordered copy."""

    def __init__(self, array: np.ndarray, order: np.ndarray) -> None:
        self.array, self.order = array, order

    def __getitem__(self, at: np.ndarray) -> np.ndarray:
        picked = self.order[at]
        sorter = np.argsort(picked)
        out = np.empty((picked.size, self.array.shape[1]), self.array.dtype)
        out[sorter] = self.array[picked[sorter]]
        return out


def build(index: KindIndex, embedder: Embedder, *, model: str, previous: list[Path], parts_dir: Path,
          progress: Callable[[str, float, int, int], None]) -> EmbedReport:  # fmt: skip
    """Embed every row of `index` (reusing cached vectors) and save the semantic files into its folder."""
    assert index.folder is not None
    started = time.perf_counter()
    n = index.n
    progress("Preparing repo texts", 0.0, 0, n)
    parts = repo_parts(index, embedder)
    vectors = np.lib.format.open_memmap(index.folder / f".{VECTORS_FILE}.tmp", mode="w+", dtype=np.float16,
                                        shape=(n, embedder.dims))  # fmt: skip
    todo = np.ones(n, bool)
    for keys, cached in _sources(previous, parts_dir, model):
        at = np.minimum(np.searchsorted(keys, parts.keys), max(keys.size - 1, 0))
        hit = todo & (keys[at] == parts.keys) if keys.size else np.zeros(n, bool)
        rows = np.flatnonzero(hit)
        for lo in range(0, rows.size, 100_000):
            chunk = rows[lo : lo + 100_000]
            vectors[chunk] = cached[at[chunk]]
        todo &= ~hit
    missing = np.flatnonzero(todo)
    reused = n - missing.size
    parts_dir.mkdir(parents=True, exist_ok=True)
    done = 0
    for lo in range(0, missing.size, CHUNK):
        rows = missing[lo : lo + CHUNK]
        embedded = embed_rows(rows, index, parts, embedder).astype(np.float16)
        vectors[rows] = embedded
        np.savez(parts_dir / f"part-{time.time_ns()}.npz", keys=parts.keys[rows], vectors=embedded)
        done += rows.size
        progress(f"Embedding {index.kind}: {done:,} of {missing.size:,} new ({reused:,} reused)",
                 0.7 * done / max(missing.size, 1), done, int(missing.size))  # fmt: skip
    vectors.flush()
    graph = n >= GRAPH_MIN_ROWS
    if graph:
        _build_graph(vectors, index.folder / f".{GRAPH_FILE}.tmp", progress)
    np.save(index.folder / f".{KEYS_FILE}.tmp.npy", parts.keys)
    np.save(index.folder / f".{TASKS_FILE}.tmp.npy", _task_vectors(index, parts))
    del vectors
    os.replace(index.folder / f".{VECTORS_FILE}.tmp", index.folder / VECTORS_FILE)
    os.replace(index.folder / f".{KEYS_FILE}.tmp.npy", index.folder / KEYS_FILE)
    os.replace(index.folder / f".{TASKS_FILE}.tmp.npy", index.folder / TASKS_FILE)
    if graph:
        os.replace(index.folder / f".{GRAPH_FILE}.tmp", index.folder / GRAPH_FILE)
    seconds = time.perf_counter() - started
    meta = {"model": model, "recipe": RECIPE, "dims": embedder.dims, "rows": n, "embedded": int(missing.size),
            "reused": int(reused), "graph": graph, "seconds": round(seconds, 2)}  # fmt: skip
    tmp = index.folder / f".{META_FILE}.tmp"
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(tmp, index.folder / META_FILE)
    for part in parts_dir.glob("part-*.npz"):  # the generation holds them now
        part.unlink(missing_ok=True)
    return EmbedReport(kind=index.kind, rows=n, embedded=int(missing.size), reused=int(reused), model=model,
                       graph=graph, seconds=seconds)  # fmt: skip


def _task_vectors(index: KindIndex, parts: Parts) -> np.ndarray:
    task = parts.fields.get("task")
    return task[2].astype(np.float16) if task is not None else np.zeros((0, 1), np.float16)


def _build_graph(vectors: np.ndarray, path: Path, progress: Callable[[str, float, int, int], None]) -> None:
    from usearch.index import Index

    n, dims = vectors.shape
    graph = Index(ndim=dims, metric="ip", dtype="i8", connectivity=16, expansion_add=48, expansion_search=64)
    step = 50_000
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        graph.add(np.arange(lo, hi, dtype=np.uint64), np.asarray(vectors[lo:hi], np.float32), threads=os.cpu_count() or 1)
        progress(f"Building the vector index: {hi:,} of {n:,}", 0.7 + 0.3 * hi / n, hi, n)
    graph.save(str(path))


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
        if meta.get("graph") and (folder / GRAPH_FILE).exists():
            from usearch.index import Index

            self.graph = Index.restore(str(folder / GRAPH_FILE), view=True)

    def nearest(self, index: KindIndex, query: np.ndarray, rows: Any) -> tuple[np.ndarray, np.ndarray]:
        """(rows ascending, scores: lower is better) of the `CANDIDATES` repos nearest `query` among `rows`
        (a `lib.catalog.search.RowSet` of the rows that pass the filters)."""
        count = rows.count()
        if count == 0 or not np.any(query):
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        if self.graph is None or count <= EXACT_ROWS:
            candidates = rows.to_idx()
        else:
            k = min(index.n, GRAPH_MAX_K, int(CANDIDATES * 2 * index.n / count) + 1)
            found = self.graph.search(query, k).keys.astype(np.int64)
            if not rows.is_all:
                found = found[rows.to_mask()[found]]
            candidates = np.sort(found)
        sims = self._scores(index, query, np.asarray(candidates, np.int64))
        if candidates.size > CANDIDATES:
            best = np.argpartition(-sims, CANDIDATES - 1)[:CANDIDATES]
            best.sort()
            candidates, sims = candidates[best], sims[best]
        return np.asarray(candidates, np.int64), -sims.astype(np.float64)

    def _scores(self, index: KindIndex, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        scores = np.empty(rows.size, np.float32)
        for lo in range(0, rows.size, 65_536):
            chunk = rows[lo : lo + 65_536]
            scores[lo : lo + chunk.size] = np.asarray(self.vectors[chunk], np.float32) @ query
        if self.tasks.shape[0] and "task" in index.fields:
            agree = np.concatenate(([0.0], self.tasks @ query)).astype(np.float32)
            scores += TASK_BONUS * agree[np.asarray(index.fields["task"].first1[rows], np.int64)]
        pop = np.log1p(np.maximum(index.numbers["downloads"][rows], 0)) + np.log1p(np.maximum(index.numbers["likes"][rows], 0))
        scores += POPULARITY_BONUS * (pop / 30.0).astype(np.float32)
        return scores
