"""What a trial takes and gives, wherever it runs (here: :mod:`lib.tryit.runner`; remotely: :mod:`lib.tryit.remote`).

``Generation`` is the generation settings a page or the CLI passes; ``RunResult`` is the answer with its figures,
the same shape for a local and a remote run, so a page shows either with the same view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Generation:
    """Generation settings for the tasks that generate; temperature 0/None means greedy."""

    max_new_tokens: int = 32
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``generate`` (a local pipeline); the seed is applied by the caller."""
        out: dict[str, Any] = {"max_new_tokens": self.max_new_tokens}
        if self.temperature:
            out.update(do_sample=True, temperature=self.temperature)
            if self.top_p is not None:
                out["top_p"] = self.top_p
        else:
            out["do_sample"] = False
        return out


@dataclass
class RunResult:
    task: str
    model: str
    output: Any  # what a page shows (the task row's post-processing)
    raw: Any  # the pipeline's own answer (a remote answer in the same shape)
    load_ms: float  # 0 when the pipeline came from the cache, and for a remote run
    run_ms: float
    from_cache: bool
    tokens: int | None = None
    tokens_per_s: float | None = None
    peak_bytes: int | None = None  # the model's own peak: memory growth from before its load through the run
    peak_vram_bytes: int | None = None  # the same for torch's allocated GPU memory, on CUDA
    stopped: bool = False  # a streamed generation ended early on request

    def as_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` object (scripts rely on its keys)."""
        out = {"output": self.output, "load_ms": round(self.load_ms, 1), "run_ms": round(self.run_ms, 1)}
        if self.tokens_per_s is not None:
            out["tokens_per_s"] = round(self.tokens_per_s, 2)
        return out


Stage = Callable[[str], None]  # told "loading" (only when the pipeline is not cached) and then "running"
