"""Fetch a pipeline's files before loading it, with progress a page can show (bytes and files).

``huggingface_hub.snapshot_download(tqdm_class=...)`` (2.4) makes three bars from the class it is given: the bytes
bar (``unit="B"``, its total grows as each file's download starts, ``update(n)`` per chunk), a transfer bar for
Xet downloads (``desc="Downloading bytes"``) and the files bar (``total`` = number of files, ``update(1)`` per file
done, from worker threads). A page cannot draw from those threads, so :class:`Download` runs the snapshot in a
thread of its own and keeps the counts in a :class:`DownloadProgress` the page polls.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from tqdm.auto import tqdm

from lib.format import human_bytes


@dataclass(frozen=True)
class DownloadProgress:
    """Counts at one moment; ``bytes_total`` is the known size of the files when given, else what the bars say."""

    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0

    @property
    def fraction(self) -> float:
        """0..1 by bytes when a byte total is known, else by files."""
        if self.bytes_total > 0:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.files_total > 0:
            return min(1.0, self.files_done / self.files_total)
        return 0.0

    def label(self) -> str:
        files = f"{self.files_done} / {self.files_total} files" if self.files_total else "listing files"
        size = f"{human_bytes(self.bytes_done)} / {human_bytes(self.bytes_total)}" if self.bytes_total \
            else human_bytes(self.bytes_done)
        return f"Downloading: {files}, {size}"


class _Counter:
    """Thread-safe counts fed by the bars."""

    def __init__(self, known_bytes: int | None) -> None:
        self._lock = threading.Lock()
        self._known = known_bytes or 0
        self._state = DownloadProgress(bytes_total=self._known)

    def add(self, **deltas: int) -> None:
        with self._lock:
            self._state = replace(self._state, **{k: getattr(self._state, k) + v for k, v in deltas.items()})

    def set_totals(self, *, files: int | None = None, bytes_: int | None = None) -> None:
        with self._lock:
            if files is not None:
                self._state = replace(self._state, files_total=files)
            if bytes_ is not None:
                self._state = replace(self._state, bytes_total=max(self._known, bytes_))

    def snapshot(self) -> DownloadProgress:
        with self._lock:
            return self._state


def progress_class(counter: _Counter) -> type[tqdm]:
    """A ``tqdm`` subclass for ``snapshot_download(tqdm_class=...)`` that counts into ``counter`` silently."""

    class _PageBar(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)  # huggingface_hub's own tqdm takes a name; this one does not
            kwargs["disable"] = True  # nothing on the terminal: the page shows the counts
            super().__init__(*args, **kwargs)
            desc = str(kwargs.get("desc") or "")
            self._role = "files" if kwargs.get("unit", "it") != "B" else (
                "transfer" if desc.startswith("Downloading bytes") else "bytes")
            self._seen_total = 0
            self._sync_total()

        def _sync_total(self) -> None:
            total = int(self.total or 0)
            if total == self._seen_total:
                return
            self._seen_total = total
            if self._role == "files":
                counter.set_totals(files=total)
            elif self._role == "bytes":
                counter.set_totals(bytes_=total)

        def update(self, n: float | None = 1) -> bool | None:
            self._sync_total()  # snapshot_download raises the bytes total as each file starts
            step = int(n or 0)
            if self._role == "files":
                counter.add(files_done=step)
            elif self._role == "bytes":
                counter.add(bytes_done=step)
            return None

        def refresh(self, *args: Any, **kwargs: Any) -> None:
            self._sync_total()

        def close(self) -> None:
            self._sync_total()
            super().close()

    return _PageBar


class Download:
    """``snapshot_download`` of ``patterns`` of one model repo in a background thread; poll, then ``result()``."""

    def __init__(self, repo_id: str, patterns: Sequence[str], *, token: str | None = None,
                 revision: str | None = None, known_bytes: int | None = None, cache_dir: str | None = None) -> None:
        self.repo_id = repo_id
        self._counter = _Counter(known_bytes)
        self._counter.set_totals(files=len(patterns))
        self._error: BaseException | None = None
        self._path: str | None = None
        self._args = {"repo_id": repo_id, "allow_patterns": list(patterns), "token": token, "revision": revision,
                      "cache_dir": cache_dir}
        self._thread = threading.Thread(target=self._work, name=f"tryit-download-{repo_id}", daemon=True)

    def start(self) -> Download:
        self._thread.start()
        return self

    def _work(self) -> None:
        from huggingface_hub import snapshot_download

        try:
            self._path = snapshot_download(**self._args, tqdm_class=progress_class(self._counter))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._error = exc

    @property
    def progress(self) -> DownloadProgress:
        return self._counter.snapshot()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the download has ended (done or failed)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def result(self) -> str:
        """The snapshot folder; a failure becomes the app's error (not found, gated, unreachable...)."""
        self._thread.join()
        if self._error is not None:
            from lib.translate import translate

            raise translate(self._error, what=self.repo_id) from self._error
        assert self._path is not None
        return self._path
