"""Will it run here? Decided from a model's record, before anything is downloaded.

Figures: parameters (safetensors metadata) x bytes per dtype against the memory actually free (RAM; VRAM only
when torch is already imported, so the app start stays fast), the download size of the weight files a pipeline
fetches, whether they are already cached, gated (a token is needed), license, and remote code (``auto_map`` in the
config or a ``custom_code`` tag). ``check()`` is pure given its figures; ``refusal()`` turns a report into the
error to show.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from lib.errors import GatedRepoError, HubExplorerError
from lib.records import FileEntry, ModelRecord, ParamCounts


class RefusedError(HubExplorerError):
    """The model will not be run here; the message carries the figures."""

    title = "Won't run here"
    hint = "Pick a smaller model or a smaller dtype, or free some memory."


class TooBigError(RefusedError, MemoryError):
    title = "Too big for this machine"


class RemoteCodeRefusedError(RefusedError, PermissionError):
    title = "Needs remote code"
    hint = (
        "This model runs Python code from its repository on this machine, with your permissions. Read that code "
        "first; run it only if you trust its author, by giving explicit consent for this one model."
    )


# safetensors dtype names and torch names -> bytes per parameter
BYTES_PER_DTYPE: dict[str, float] = {
    "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
    "U8": 1, "BOOL": 1, "F4": 0.5, "U4": 0.5, "I4": 0.5,
    "float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "uint8": 1,
}
# Room for activations, buffers and the framework on top of the weights.
OVERHEAD = 1.2

# Files a transformers pipeline fetches: weights in the repo root (safetensors preferred), and small
# config/tokenizer files. Other formats (ONNX, TF, Flax, GGUF) and subfolders are not fetched.
_SMALL = re.compile(r"^(config|generation_config|tokenizer|tokenizer_config|special_tokens_map|preprocessor_config|"
                    r"processor_config|added_tokens|chat_template)\.json$|^(vocab\.(txt|json)|merges\.txt|"
                    r"spiece\.model|sentencepiece\.bpe\.model|tokenizer\.model|chat_template\.jinja)$")
_SAFETENSORS = re.compile(r"^model(-\d{5}-of-\d{5})?\.safetensors$")
_BIN = re.compile(r"^pytorch_model(-\d{5}-of-\d{5})?\.bin$")


def bytes_per_param(dtype: str) -> float:
    try:
        return BYTES_PER_DTYPE[dtype.removeprefix("torch.")]
    except KeyError:
        raise ValueError(f"unknown dtype {dtype!r}; known: {', '.join(BYTES_PER_DTYPE)}") from None


def weights_bytes(params: ParamCounts, dtype: str | None = None) -> int:
    """Bytes of the weights in memory: as stored (each dtype its own size) when ``dtype`` is None."""
    if dtype is None or dtype == "auto":
        return int(sum(n * BYTES_PER_DTYPE.get(d, 4) for d, n in params.by_dtype.items()))
    return int(params.total * bytes_per_param(dtype))


def pipeline_files(files: Iterable[FileEntry]) -> tuple[FileEntry, ...]:
    """The files a pipeline would download: safetensors weights (else .bin) and config/tokenizer files."""
    files = [f for f in files if "/" not in f.path]
    weights = [f for f in files if _SAFETENSORS.match(f.path)] or [f for f in files if _BIN.match(f.path)]
    index = [f for f in files if f.path.endswith(".index.json") and len(weights) > 1]
    return tuple(weights + index + [f for f in files if _SMALL.match(f.path)])


def needs_remote_code(record: ModelRecord) -> bool:
    """``auto_map`` in the config (the Hub keeps it in the API's ``config``) or a ``custom_code`` tag."""
    return "custom_code" in record.tags or bool((record.config or {}).get("auto_map"))


def free_ram() -> int:
    import psutil

    return int(psutil.virtual_memory().available)


def free_vram() -> int | None:
    """Free memory of the current CUDA device, only when torch is already imported (never imports it)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        if torch.cuda.is_available():
            return int(torch.cuda.mem_get_info()[0])
    except Exception:  # noqa: BLE001 - a broken driver means "no GPU figure", not a failure
        return None
    return None


def cached_files(repo_id: str, files: Iterable[FileEntry], *, revision: str | None = None,
                 cache_dir: str | None = None) -> tuple[int, int]:
    """(files already in huggingface_hub's cache, files asked about)."""
    from huggingface_hub import try_to_load_from_cache

    files = list(files)
    hits = sum(
        isinstance(try_to_load_from_cache(repo_id, f.path, cache_dir=cache_dir, revision=revision), str)
        for f in files
    )
    return hits, len(files)


@dataclass(frozen=True)
class FitReport:
    """Everything the "will it run here?" panel shows, and the verdict."""

    model_id: str
    device: str
    dtype: str | None
    params: int | None
    weights_bytes: int | None
    needed_bytes: int | None
    free_bytes: int | None
    download_bytes: int | None
    download_files: int
    cached: bool | None
    gated: bool
    has_token: bool
    license: str | None
    remote_code: bool
    consent_remote_code: bool
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def fits(self) -> bool | None:
        if self.needed_bytes is None or self.free_bytes is None:
            return None
        return self.needed_bytes <= self.free_bytes

    @property
    def ok(self) -> bool:
        return not self.problems


def _gb(n: int | None) -> str:
    return "unknown" if n is None else f"{n / 1e9:.2f} GB"


def check(record: ModelRecord, *, device: str = "cpu", dtype: str | None = None, ram_free: int | None = None,
          vram_free: int | None = None, token: str | None = None, consent_remote_code: bool = False,
          cached: bool | None = None) -> FitReport:
    """The report for running ``record`` on ``device``; memory figures and the cache state are passed in
    (``free_ram()``, ``free_vram()``, ``cached_files()``), so the verdict is pure."""
    params = record.params
    need = weights_bytes(params, dtype) if params else None
    needed = int(need * OVERHEAD) if need is not None else None
    free = vram_free if device.startswith("cuda") else ram_free
    files = pipeline_files(record.files or ())
    sizes = [f.size for f in files]
    download = sum(s for s in sizes if s is not None) if files and None not in sizes else None
    remote = needs_remote_code(record)
    problems: list[str] = []
    notes: list[str] = []
    if needed is not None and free is not None and needed > free:
        problems.append(
            f"needs about {_gb(needed)} ({params.total:,} parameters x {dtype or 'stored dtypes'} "
            f"+ {int((OVERHEAD - 1) * 100)}% overhead) but only {_gb(free)} is free on {device}"
        )
    if params is None:
        notes.append("parameter count unknown (no safetensors metadata): memory cannot be checked before loading")
    if record.is_gated and not token:
        problems.append("gated: a token with access is needed")
    if remote and not consent_remote_code:
        problems.append("needs remote code (trust_remote_code): not run without explicit consent for this model")
    licenses = record.licenses
    return FitReport(
        model_id=record.id, device=device, dtype=dtype, params=params.total if params else None,
        weights_bytes=need, needed_bytes=needed, free_bytes=free, download_bytes=download,
        download_files=len(files), cached=cached, gated=record.is_gated, has_token=bool(token),
        license=", ".join(licenses) if licenses else None, remote_code=remote,
        consent_remote_code=consent_remote_code, problems=tuple(problems), notes=tuple(notes),
    )


def refusal(rep: FitReport) -> HubExplorerError | None:
    """The error that refuses ``rep``'s run, or None when it may run. Gated beats remote code beats size."""
    if rep.gated and not rep.has_token:
        return GatedRepoError(f"{rep.model_id} is gated: its weights need a token with access.")
    if rep.remote_code and not rep.consent_remote_code:
        return RemoteCodeRefusedError(f"{rep.model_id} needs remote code; it is not run without consent.")
    if rep.fits is False:
        return TooBigError(f"{rep.model_id} will not fit: {rep.problems[0]}.")
    return None
