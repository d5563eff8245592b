"""The peak memory of this process while a trial loads and runs a model.

On Linux the kernel keeps the peak (``VmHWM``, read as ``ru_maxrss``): it is reset at start and read at stop, which
costs a few microseconds and no thread (a sampling thread slowed the model call it measured). Elsewhere RSS is
sampled by a small daemon thread. On CUDA, torch's own peak counter is read as well (torch only when imported).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path
from typing import Any, Self

_CLEAR_REFS = Path("/proc/self/clear_refs")
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


def reset_hwm() -> bool:
    """Reset the kernel's peak RSS to the current RSS (``echo 5 > /proc/self/clear_refs``, Linux); False where it
    cannot. A few microseconds: the trial's own call is measured, not slowed."""
    try:
        fd = os.open(_CLEAR_REFS, os.O_WRONLY)
    except OSError:
        return False
    try:
        os.write(fd, b"5")
    except OSError:
        return False
    finally:
        os.close(fd)
    return _max_rss() is not None


class PeakMemory:
    """The peak memory of this process between ``start()`` and ``stop()`` (or a ``with`` block).

    The kernel's peak is reset only when no other trial is being measured in this process (another session), so
    neither loses its peak; the figure is then the process's peak over both.
    """

    def __init__(self, device: str = "cpu", interval: float = 0.01) -> None:
        self._device = device
        self._interval = interval
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._kernel = False
        self._running = False
        self.peak_bytes = 0
        self.peak_vram_bytes: int | None = None

    def _rss(self) -> int:
        import psutil

        return int(psutil.Process().memory_info().rss)

    def _sample(self) -> None:
        with contextlib.suppress(Exception):  # a failed sample is a missing point, not a failed run
            self.peak_bytes = max(self.peak_bytes, self._rss())

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
            self._kernel = reset_hwm() if alone else (_CLEAR_REFS.exists() and _max_rss() is not None)
        if not self._kernel:
            self._sample()
            self._thread = threading.Thread(target=self._loop, name="tryit-peak-memory", daemon=True)
            self._thread.start()
        if (torch := self._cuda()) is not None:
            torch.cuda.reset_peak_memory_stats(self._device)
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
