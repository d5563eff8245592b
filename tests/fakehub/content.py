"""File contents served by the fake Hub: real bytes, generated safetensors and placeholders.

Every file of a repo is a :class:`FileEntry`. Its bytes come from a :class:`Content` provider that can read any
byte range without materialising the whole file, so multi-GB weights (a 4 GB ``.gguf``, a 15 GB safetensors shard)
cost nothing until a client actually reads them, and Range reads only touch the requested bytes.

Hashes follow git and git-lfs exactly where the bytes are cheap to hash (small files, files on disk): ``oid`` is the
git blob sha1 (``sha1("blob <size>\\0" + content)``), and for LFS files ``oid`` is the blob sha1 of the LFS pointer
text while ``lfs.oid`` is the sha256 of the content. For large generated content (placeholder weights, padded
safetensors) the sha256 is a deterministic stand-in derived from the repo, path and size; huggingface_hub does not
verify it for plain HTTP downloads, only the size.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

__all__ = [
    "GITATTRIBUTES",
    "BytesContent",
    "Content",
    "DiskContent",
    "FileEntry",
    "PlaceholderContent",
    "SafetensorsContent",
    "build_safetensors_header",
    "git_blob_oid",
    "is_lfs_path",
]

#: Files whose hashes are computed from real bytes when at most this big (the rest get stand-in sha256 values).
HASH_REAL_LIMIT = 16 * 1024 * 1024
#: The Hub stores files over 10 MB through LFS whatever their extension.
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024
CHUNK_SIZE = 1024 * 1024

LFS_EXTENSIONS = frozenset(
    {
        ".7z",
        ".arrow",
        ".bin",
        ".bz2",
        ".ckpt",
        ".ftz",
        ".gguf",
        ".gz",
        ".h5",
        ".joblib",
        ".mlmodel",
        ".model",
        ".msgpack",
        ".npy",
        ".npz",
        ".onnx",
        ".ot",
        ".parquet",
        ".pb",
        ".pickle",
        ".pkl",
        ".pt",
        ".pth",
        ".rar",
        ".safetensors",
        ".tar",
        ".tflite",
        ".tgz",
        ".wasm",
        ".xz",
        ".zip",
        ".zst",
        ".wav",
        ".mp3",
        ".flac",
        ".png",
        ".jpg",
        ".jpeg",
        ".webp",
        ".mp4",
        ".onnx_data",
        ".weight",
    }
)

TEXT_EXTENSIONS = frozenset(
    {
        ".md",
        ".txt",
        ".py",
        ".yaml",
        ".yml",
        ".cfg",
        ".toml",
        ".jinja",
        ".html",
        ".css",
        ".js",
        ".csv",
        ".tsv",
        ".ini",
        ".sh",
        ".rst",
        ".svg",
        ".jsonl",
    }
)

GITATTRIBUTES = """\
*.7z filter=lfs diff=lfs merge=lfs -text
*.arrow filter=lfs diff=lfs merge=lfs -text
*.bin filter=lfs diff=lfs merge=lfs -text
*.bz2 filter=lfs diff=lfs merge=lfs -text
*.ckpt filter=lfs diff=lfs merge=lfs -text
*.ftz filter=lfs diff=lfs merge=lfs -text
*.gguf filter=lfs diff=lfs merge=lfs -text
*.gz filter=lfs diff=lfs merge=lfs -text
*.h5 filter=lfs diff=lfs merge=lfs -text
*.joblib filter=lfs diff=lfs merge=lfs -text
*.lfs.* filter=lfs diff=lfs merge=lfs -text
*.mlmodel filter=lfs diff=lfs merge=lfs -text
*.model filter=lfs diff=lfs merge=lfs -text
*.msgpack filter=lfs diff=lfs merge=lfs -text
*.npy filter=lfs diff=lfs merge=lfs -text
*.npz filter=lfs diff=lfs merge=lfs -text
*.onnx filter=lfs diff=lfs merge=lfs -text
*.ot filter=lfs diff=lfs merge=lfs -text
*.parquet filter=lfs diff=lfs merge=lfs -text
*.pb filter=lfs diff=lfs merge=lfs -text
*.pickle filter=lfs diff=lfs merge=lfs -text
*.pkl filter=lfs diff=lfs merge=lfs -text
*.pt filter=lfs diff=lfs merge=lfs -text
*.pth filter=lfs diff=lfs merge=lfs -text
*.rar filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
saved_model/**/* filter=lfs diff=lfs merge=lfs -text
*.tar.* filter=lfs diff=lfs merge=lfs -text
*.tar filter=lfs diff=lfs merge=lfs -text
*.tflite filter=lfs diff=lfs merge=lfs -text
*.tgz filter=lfs diff=lfs merge=lfs -text
*.wasm filter=lfs diff=lfs merge=lfs -text
*.xz filter=lfs diff=lfs merge=lfs -text
*.zip filter=lfs diff=lfs merge=lfs -text
*.zst filter=lfs diff=lfs merge=lfs -text
*tfevents* filter=lfs diff=lfs merge=lfs -text
"""

DTYPE_SIZES: dict[str, int] = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "F8_E8M0": 1,
    "F4": 1,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U64": 8,
    "U32": 4,
    "U16": 2,
    "U8": 1,
    "BOOL": 1,
}


def git_blob_oid(data: bytes) -> str:
    """The git blob sha1 of ``data``, as git and the Hub's ``oid``/``blobId`` report it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    """The git-lfs pointer file committed in place of an LFS file."""
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def is_lfs_path(path: str, size: int) -> bool:
    """Whether the Hub would store ``path`` through LFS (by extension or because it is over 10 MB)."""
    name = path.rsplit("/", 1)[-1].lower()
    suffix = os.path.splitext(name)[1]
    return size >= LFS_SIZE_THRESHOLD or suffix in LFS_EXTENSIONS or "tfevents" in name


def stand_in_sha256(*parts: object) -> str:
    """A deterministic sha256-shaped value for content too large to hash on every start."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


class Content:
    """A read-only byte source of a known size that serves arbitrary ranges."""

    size: int

    def read(self, offset: int, length: int) -> bytes:
        """Return ``length`` bytes starting at ``offset`` (fewer only at the end of the content)."""
        raise NotImplementedError

    def iter_range(self, start: int, end_inclusive: int, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Yield the bytes ``start..end_inclusive`` in chunks, never holding more than one chunk."""
        position = start
        while position <= end_inclusive:
            length = min(chunk_size, end_inclusive - position + 1)
            chunk = self.read(position, length)
            if not chunk:
                return
            yield chunk
            position += len(chunk)

    def all_bytes(self) -> bytes:
        """The whole content (only for small files)."""
        return self.read(0, self.size)

    def real_sha256(self) -> str:
        """sha256 of the content, streamed."""
        digest = hashlib.sha256()
        for chunk in self.iter_range(0, self.size - 1):
            digest.update(chunk)
        return digest.hexdigest()


class BytesContent(Content):
    """Content held in memory (cards, configs, indexes: small generated or fixture-provided files)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def read(self, offset: int, length: int) -> bytes:
        return self.data[offset : offset + length]


class DiskContent(Content):
    """A file of a folder registered with ``--repo-dir`` / :meth:`FakeHub.add_local_repo`, read on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size

    def read(self, offset: int, length: int) -> bytes:
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)


_MAGIC_PREFIXES: dict[str, bytes] = {
    ".gguf": b"GGUF\x03\x00\x00\x00",
    ".parquet": b"PAR1",
    ".bin": b"PK\x03\x04",
    ".pt": b"PK\x03\x04",
    ".pth": b"PK\x03\x04",
    ".zip": b"PK\x03\x04",
    ".h5": b"\x89HDF\r\n\x1a\n",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".onnx": b"\x08\x07\x12\x07pytorch",
}

_FILLER_LINE = b"fakehub placeholder text: the real Hub would serve this file's original bytes here.\n"


class PlaceholderContent(Content):
    """Deterministic filler bytes of an exact size, generated per range (never materialised whole).

    Binary files get a repeating pseudo-random 64 KiB block behind the format's magic bytes (``GGUF``, ``PAR1``,
    a zip header for ``.bin``/``.pt``...). JSON files are a valid JSON object padded with spaces to the size; other
    text files are repeated text lines. The bytes depend only on ``seed`` and ``size``.
    """

    def __init__(self, seed: str, path: str, size: int) -> None:
        self.size = size
        suffix = os.path.splitext(path.lower())[1]
        self._mode: str
        if suffix == ".json":
            self._mode = "json"
            head = json.dumps({"fakehub_placeholder": path, "padding": ""})[:-2].encode()
            tail = b'"}'
            if size >= len(head) + len(tail):
                self._head = head
                self._tail = tail
            else:
                self._head, self._tail = b"{}"[:size], b""
        elif suffix in TEXT_EXTENSIONS or "." not in path.rsplit("/", 1)[-1]:
            self._mode = "text"
            self._head = f"# fakehub placeholder for {path}\n".encode()
            self._tail = b""
        else:
            self._mode = "binary"
            self._head = _MAGIC_PREFIXES.get(suffix, b"")
            self._tail = b""
        self._seed = seed

    @cached_property
    def _block(self) -> bytes:
        """The pseudo-random 64 KiB unit binary placeholders repeat (built on first read)."""
        return hashlib.shake_256(self._seed.encode()).digest(65536)

    def _filler(self, offset: int, length: int) -> bytes:
        if self._mode == "json":
            return b" " * length
        line = _FILLER_LINE if self._mode == "text" else self._block
        n = len(line)
        start = offset % n
        reps = (start + length) // n + 1
        return (line * reps)[start : start + length]

    def read(self, offset: int, length: int) -> bytes:
        end = min(self.size, offset + length)
        if offset >= end:
            return b""
        head, tail = self._head, self._tail
        body_end = self.size - len(tail)
        out = bytearray()
        position = offset
        while position < end:
            if position < len(head):
                piece = head[position : min(len(head), end)]
            elif position < body_end:
                piece = self._filler(position - len(head), min(end, body_end) - position)
            else:
                piece = tail[position - body_end : end - body_end]
            out += piece
            position += len(piece)
        return bytes(out)


@dataclass(frozen=True)
class TensorSpec:
    """One tensor of a generated safetensors file."""

    name: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def numel(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count

    @property
    def nbytes(self) -> int:
        return self.numel * DTYPE_SIZES.get(self.dtype, 1)


def plan_tensors(parameters: dict[str, int], *, tensors_per_dtype: int = 24) -> list[TensorSpec]:
    """Tensors whose element counts per dtype sum exactly to ``parameters`` (``{"BF16": 7615616512, ...}``).

    Each dtype gets about ``tensors_per_dtype`` 2-D tensors of a realistic width plus, when needed, a 1-D remainder,
    named like transformer layers so that the header looks like a real checkpoint.
    """
    tensors: list[TensorSpec] = []
    for dtype, count in parameters.items():
        if count <= 0:
            continue
        width = 4096 if count >= 1 << 30 else 1024 if count >= 1 << 22 else 64 if count >= 1 << 12 else 1
        rows_per_tensor = max(1, count // (tensors_per_dtype * width))
        remaining = count
        layer = 0
        tag = dtype.lower()
        while width > 1 and remaining >= width:
            rows = min(rows_per_tensor, remaining // width)
            tensors.append(TensorSpec(f"model.layers.{layer}.{tag}.weight", dtype, (rows, width)))
            remaining -= rows * width
            layer += 1
        if remaining:
            tensors.append(TensorSpec(f"model.norm.{tag}.bias", dtype, (remaining,)))
    return tensors


def build_safetensors_header(tensors: Sequence[TensorSpec], metadata: dict[str, str] | None = None) -> bytes:
    """The 8-byte length prefix plus the JSON header of a safetensors file holding ``tensors`` in order.

    The header is padded with spaces to a multiple of 8 bytes, as the safetensors library writes it.
    """
    header: dict[str, object] = {"__metadata__": metadata or {"format": "pt"}}
    offset = 0
    for tensor in tensors:
        header[tensor.name] = {
            "dtype": tensor.dtype,
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + tensor.nbytes],
        }
        offset += tensor.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw


class SafetensorsContent(Content):
    """A safetensors file: a real header followed by zero bytes for the tensor data (served lazily)."""

    def __init__(self, tensors: Sequence[TensorSpec], metadata: dict[str, str] | None = None) -> None:
        self.tensors = list(tensors)
        self.header = build_safetensors_header(self.tensors, metadata)
        self.data_size = sum(t.nbytes for t in self.tensors)
        self.size = len(self.header) + self.data_size

    def read(self, offset: int, length: int) -> bytes:
        end = min(self.size, offset + length)
        if offset >= end:
            return b""
        head = self.header[offset:end]
        return head + b"\0" * (end - offset - len(head))


@dataclass
class FileEntry:
    """One file of a repo, with the hashes and sizes the Hub reports for it."""

    path: str
    content: Content
    seed: str
    lfs: bool | None = None
    _hashes: tuple[str, str | None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.lfs is None:
            self.lfs = is_lfs_path(self.path, self.content.size)

    @property
    def size(self) -> int:
        return self.content.size

    def _compute_hashes(self) -> tuple[str, str | None]:
        if self._hashes is None:
            size = self.content.size
            cheap = size <= HASH_REAL_LIMIT or isinstance(self.content, DiskContent)
            if self.lfs:
                sha256 = self.content.real_sha256() if cheap and size else stand_in_sha256(self.seed, self.path, size)
                self._hashes = (git_blob_oid(lfs_pointer(sha256, size)), sha256)
            else:
                self._hashes = (git_blob_oid(self.content.all_bytes()), None)
        return self._hashes

    @property
    def oid(self) -> str:
        """git blob sha1 (of the LFS pointer for LFS files): the tree ``oid`` and sibling ``blobId``."""
        return self._compute_hashes()[0]

    @property
    def sha256(self) -> str | None:
        """sha256 of the content for LFS files (the ETag the Hub sends for them), else None."""
        return self._compute_hashes()[1]

    @cached_property
    def pointer_size(self) -> int:
        sha256 = self.sha256 or ""
        return len(lfs_pointer(sha256, self.size))

    @property
    def etag(self) -> str:
        """The resolve ETag value (unquoted): the sha256 for LFS files, the git blob sha1 otherwise."""
        return self.sha256 if self.lfs and self.sha256 else self.oid

    def lfs_info_tree(self) -> dict[str, object] | None:
        """``lfs`` object of a tree entry (``oid``/``size``/``pointerSize``)."""
        if not self.lfs:
            return None
        return {"oid": self.sha256, "size": self.size, "pointerSize": self.pointer_size}

    def lfs_info_sibling(self) -> dict[str, object] | None:
        """``lfs`` object of a ``blobs=true`` sibling (``sha256``/``size``/``pointerSize``)."""
        if not self.lfs:
            return None
        return {"sha256": self.sha256, "size": self.size, "pointerSize": self.pointer_size}
