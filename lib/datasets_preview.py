"""First rows streamed with the `datasets` library, for datasets the dataset viewer has nothing for.

`first_rows()` asks the viewer and, when it has nothing (not processed, unsupported, down), streams the split with
`datasets.load_dataset(repo_id, config, split=..., streaming=True)` instead: only the first rows are read, nothing is
downloaded whole. Both paths return the same `FirstRows` record (`source` says which answered, `note` why the viewer
did not).

`datasets` is imported here, on first use: it costs seconds and the app must start fast. It reads the Hub endpoint
from `HF_ENDPOINT` at its import, as huggingface_hub and `lib.settings` do, so all three agree without any patching.
Two of its process-wide settings are set once, right after that first import (`_configure`), never per call: its
Parquet-export shortcut (which asks the viewer again) is turned off, and its read retries (20, with sleeps) are cut
to one, so failures surface at once as the app's errors (through huggingface_hub's client, which `lib.hub.http`
configured at process start).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from types import ModuleType
from typing import Any

from lib import errors
from lib.errors import PreviewUnavailableError, ViewerDisabledError
from lib.hub.viewer import (
    FIRST_ROWS_LIMIT,
    Feature,
    FirstRows,
    RowItem,
    SplitRef,
    ViewerClient,
)
from lib.settings import Settings
from lib.translate import translated

#: Rows streamed for a preview (the viewer gives up to 100; streaming reads only what it needs).
STREAM_ROWS = 50
#: Configs whose splits are listed when streaming (a dataset may have hundreds).
MAX_CONFIGS = 20
_configured = False  # datasets' settings are set once per process, at its first import here


def import_datasets() -> ModuleType:
    """The `datasets` library, imported and configured on first use (it costs seconds; the app must start fast)."""
    import datasets

    global _configured
    if not _configured:
        _configure(datasets.config)
        _configured = True
    return datasets


def _configure(config: ModuleType) -> None:
    """Once per process: no Parquet-export shortcut (it would ask the viewer, which has nothing for this dataset),
    and one read attempt instead of twenty with sleeps."""
    config.USE_PARQUET_EXPORT = False
    config.STREAMING_READ_MAX_RETRIES = 1


def _errors(dataset: str) -> Any:
    """The translation boundary for `datasets` (`lib.translate`, service "datasets")."""
    return translated(f"Dataset {dataset!r}", service="datasets")


# --- cells -------------------------------------------------------------------------------------------------------


def plain_cell(value: Any) -> Any:
    """A streamed cell as JSON-like data, the way the viewer sends cells: media become a short description."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        if set(value) <= {"bytes", "path"} and ("bytes" in value or "path" in value):  # undecoded Image/Audio/...
            path, data = value.get("path"), value.get("bytes")
            size = f"{len(data):,} bytes" if isinstance(data, (bytes, bytearray)) else None
            return " · ".join(str(p) for p in (path, size) if p) or "<media>"
        return {str(k): plain_cell(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_cell(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return plain_cell(tolist())
    return str(value)


def _python_type(values: list[Any]) -> dict[str, Any]:
    sample = next((v for v in values if v is not None), None)
    dtype = {bool: "bool", int: "int64", float: "float64", str: "string"}.get(type(sample), "null" if sample is None
                                                                               else type(sample).__name__)
    return {"dtype": dtype, "_type": "Value"}


# --- streaming ---------------------------------------------------------------------------------------------------


def stream_splits(settings: Settings, dataset: str) -> tuple[SplitRef, ...]:
    """Every (config, split) the `datasets` library finds in the repo (first `MAX_CONFIGS` configs)."""
    lib = import_datasets()
    with _errors(dataset):
        configs = list(lib.get_dataset_config_names(dataset, token=settings.token))[:MAX_CONFIGS]
        refs: list[SplitRef] = []
        for config in configs:
            refs += [SplitRef(config, str(s)) for s in lib.get_dataset_split_names(dataset, config,
                                                                                   token=settings.token)]
    if not refs:
        raise PreviewUnavailableError(f"The `datasets` library found no splits in dataset {dataset!r}.")
    return tuple(refs)


def stream_first_rows(
    settings: Settings, dataset: str, config: str, split: str, *, n: int = STREAM_ROWS, note: str | None = None
) -> FirstRows:
    """The first `n` rows of a split, streamed (media cells are not decoded: their path and size are shown)."""
    lib = import_datasets()
    with _errors(dataset):
        streamed = lib.load_dataset(dataset, config, split=split, streaming=True, token=settings.token)
        if streamed.features is not None:  # unknown features: nothing to decode (and decode() refuses)
            streamed = streamed.decode(False)
        raw = list(itertools.islice(iter(streamed), max(1, min(n, FIRST_ROWS_LIMIT))))
        features = streamed.features
    rows = tuple(RowItem(idx=i, row={str(k): plain_cell(v) for k, v in r.items()}) for i, r in enumerate(raw))
    if features is not None:
        described = tuple(Feature(str(name), t) for name, t in features.to_dict().items())
    else:
        names = list(dict.fromkeys(k for r in rows for k in r.row))
        described = tuple(Feature(name, _python_type([r.row.get(name) for r in rows])) for name in names)
    return FirstRows(dataset=dataset, config=config, split=split, features=described, rows=rows, truncated=False,
                     source="datasets", note=note)


def first_rows(viewer: ViewerClient, dataset: str, config: str, split: str, *, n: int = STREAM_ROWS) -> FirstRows:
    """The viewer's first rows; when it has nothing for this split (any failure but a refused token or a viewer
    its owner turned off), the first `n` rows streamed with `datasets`. When streaming fails too, its error is
    raised with the viewer's reason as a note (`__notes__`)."""
    try:
        return viewer.first_rows(dataset, config, split)
    except (errors.AccessError, ViewerDisabledError):
        raise
    except errors.HubExplorerError as exc:
        note = f"{exc.title}: {exc}"
    # outside the `except`: a streaming failure must not carry the viewer's error as its context
    try:
        return stream_first_rows(viewer.settings, dataset, config, split, n=n, note=note)
    except errors.HubExplorerError as err:
        err.add_note(f"Before streaming, the dataset viewer said: {note}")
        raise
