"""What a model costs in memory here: the growth of this process's memory while it loads and runs.

A server process holds the framework, the app and every other loaded model, so its own peak says nothing about one
model (752 MB shown for a 90 MB model). :class:`PeakMemory` measures a window instead: the RSS at its start, the
peak RSS until its stop, and their difference, ``growth_bytes``. On Linux the kernel keeps the peak (``VmHWM``,
read as ``ru_maxrss``): it is reset at start and read at stop, which costs a few microseconds and no thread (a
sampling thread slowed the model call it measured). Where the kernel offers no reset, or while another window of
this process is being measured (another session's trial), a small daemon thread samples RSS instead, so neither
window loses its peak. On CUDA, torch's own counters give the same for GPU memory (torch only when imported).

:class:`Footprint` is what a model's load and first run cost (kept with the loaded pipeline, see
:mod:`lib.tryit.cache`), so a later run of the same loaded model reports its own cost again rather than only the
little its run adds. :func:`release` hands freed memory back to the system before a baseline is taken, so a new
model's allocations show up as growth instead of filling memory that an evicted one left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATM = Path("/proc/self/statm")
_active_meters = 0
_meters_lock = threading.Lock()


def _max_rss() -> int | None:
    """The kernel's peak RSS of this process in bytes (``ru_maxrss``, the ``VmHWM`` that ``clear_refs`` resets;
    kilobytes on Linux); None where there is no ``resource`` module."""
    try:
        import resource
    except ImportError:
        return None
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def rss() -> int:
    """This process's resident memory now, in bytes (``/proc/self/statm``: microseconds; psutil elsewhere)."""
    try:
        with open(_STATM, "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import psutil

        return int(psutil.Process().memory_info().rss)


_fd: tuple[Path, int] | None = None  # /proc/self/clear_refs kept open: opening it each time slowed the call after
_fd_lock = threading.Lock()


def _clear_refs() -> int | None:
    """The open ``clear_refs`` file of this process (opened once), None where there is none."""
    global _fd
    with _fd_lock:
        if _fd is None or _fd[0] != _CLEAR_REFS:
            try:
                _fd = (_CLEAR_REFS, os.open(_CLEAR_REFS, os.O_WRONLY))
            except OSError:
                return None
        return _fd[1]


def reset_hwm() -> bool:
    """Reset the kernel's peak RSS to the current RSS (``echo 5 > /proc/self/clear_refs``, Linux); False where it
    cannot. Microseconds (one write to a file kept open): the trial's own call is measured, not slowed."""
    fd = _clear_refs()
    if fd is None:
        return False
    try:
        os.write(fd, b"5")
    except OSError:
        return False
    return _max_rss() is not None


def release(*, collect: bool = False) -> None:
    """Hand memory freed by Python back to the system: ``gc.collect()`` when ``collect`` (after pipelines were
    dropped: a model's objects may sit in reference cycles; about 0.15 s with torch loaded), then glibc's
    ``malloc_trim(0)`` (a fraction of a millisecond), so freed heap pages stop counting in RSS."""
    if collect:
        gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


class PeakMemory:
    """This process's memory between ``start()`` and ``stop()`` (or a ``with`` block): ``start_bytes`` (RSS at
    start), ``peak_bytes`` (peak RSS in the window) and ``growth_bytes`` (their difference); on CUDA the same for
    torch's allocated GPU memory (``peak_vram_bytes``, ``vram_growth_bytes``).

    The kernel's peak is reset only when no other window of this process is open; a window opened while another is
    open samples RSS in a thread instead (both keep their own peak).
    """

    def __init__(self, device: str = "cpu", interval: float = 0.01) -> None:
        self._device = device
        self._interval = interval
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._kernel = False
        self._running = False
        self.start_bytes = 0
        self.peak_bytes = 0
        self.start_vram_bytes: int | None = None
        self.peak_vram_bytes: int | None = None

    @property
    def growth_bytes(self) -> int:
        """How far the peak rose above the RSS at start (0 when it never did)."""
        return max(0, self.peak_bytes - self.start_bytes)

    @property
    def vram_growth_bytes(self) -> int | None:
        if self.peak_vram_bytes is None or self.start_vram_bytes is None:
            return None
        return max(0, self.peak_vram_bytes - self.start_vram_bytes)

    def _sample(self) -> None:
        with contextlib.suppress(Exception):  # a failed sample is a missing point, not a failed run
            self.peak_bytes = max(self.peak_bytes, rss())

    def _loop(self) -> None:
        while not self._done.wait(self._interval):
            self._sample()

    def _cuda(self) -> Any:
        torch = sys.modules.get("torch")
        if torch is not None and self._device.startswith("cuda") and torch.cuda.is_available():
            return torch
        return None

    def start(self) -> Self:
        global _active_meters
        with _meters_lock:
            alone = _active_meters == 0
            _active_meters += 1
            self._running = True
            self._kernel = alone and reset_hwm()
        # just after the reset the kernel's peak is the RSS now: reading it back is cheaper than /proc/self/statm,
        # whose read measurably slowed the model call that followed
        self.start_bytes = (_max_rss() or 0) if self._kernel else rss()
        self.peak_bytes = self.start_bytes
        if not self._kernel:
            self._thread = threading.Thread(target=self._loop, name="tryit-peak-memory", daemon=True)
            self._thread.start()
        if (torch := self._cuda()) is not None:
            torch.cuda.reset_peak_memory_stats(self._device)
            self.start_vram_bytes = int(torch.cuda.memory_allocated(self._device))
        return self

    def stop(self) -> None:
        global _active_meters
        with _meters_lock:
            if not self._running:
                return
            self._running = False
            _active_meters -= 1
        if self._kernel:
            self.peak_bytes = max(self.peak_bytes, _max_rss() or 0)
        else:
            self._done.set()
            if self._thread is not None:
                self._thread.join()
            self._sample()
        if (torch := self._cuda()) is not None:
            self.peak_vram_bytes = int(torch.cuda.max_memory_allocated(self._device))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Footprint:
    """What one loaded model costs: ``peak`` is the most memory it has taken above the baseline taken just before
    its load (load, first run and any later run), ``resident`` what it kept after its first run (weights read from a
    safetensors file count once a run has touched them). GPU figures likewise, None off CUDA."""

    peak: int
    resident: int
    vram_peak: int | None = None
    vram_resident: int | None = None

    @classmethod
    def first(cls, window: PeakMemory, device: str = "cpu") -> Footprint:
        """From the window that covered the load and the first run."""
        vram_resident = None
        torch = sys.modules.get("torch")
        if window.start_vram_bytes is not None and torch is not None:
            vram_resident = max(0, int(torch.cuda.memory_allocated(device)) - window.start_vram_bytes)
        return cls(peak=window.growth_bytes, resident=max(0, rss() - window.start_bytes),
                   vram_peak=window.vram_growth_bytes, vram_resident=vram_resident)

    def rerun(self, window: PeakMemory) -> Footprint:
        """After a later run (``window`` covered the run only): what it kept plus what the run added, if more."""
        peak = max(self.peak, self.resident + window.growth_bytes)
        vram_peak = self.vram_peak
        if window.vram_growth_bytes is not None:
            vram_peak = max(self.vram_peak or 0, (self.vram_resident or 0) + window.vram_growth_bytes)
        return Footprint(peak=peak, resident=self.resident, vram_peak=vram_peak, vram_resident=self.vram_resident)
