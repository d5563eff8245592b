"""First rows streamed with the `datasets` library, for datasets the dataset viewer has nothing for.

`first_rows()` asks the viewer and, when it has nothing (not processed, unsupported, down), streams the split with
`datasets.load_dataset(repo_id, config, split=..., streaming=True)` instead: only the first rows are read, nothing is
downloaded whole. Both paths return the same `FirstRows` record (`source` says which answered, `note` why the viewer
did not).

`datasets` is imported here, inside the functions: it costs seconds and the app must start fast. It reads the Hub
endpoint once, at its import (`datasets.config.HF_ENDPOINT`, and huggingface_hub's `constants.ENDPOINT` for file
URLs); while streaming, both are pointed at the endpoint in `Settings` (they already agree unless `HF_ENDPOINT`
changed after import, as in tests), behind a lock. Its Parquet-export shortcut (which asks the viewer again) is
turned off, and its read retries (20, with sleeps) cut to one: failures surface at once as the app's errors.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from types import ModuleType
from typing import Any

from lib import errors
from lib.hub.http import install_client, translate
from lib.hub.viewer import (
    FIRST_ROWS_LIMIT,
    Feature,
    FirstRows,
    PreviewUnavailableError,
    RowItem,
    SplitRef,
    ViewerClient,
    ViewerDisabledError,
)
from lib.settings import Settings

#: Rows streamed for a preview (the viewer gives up to 100; streaming reads only what it needs).
STREAM_ROWS = 50
#: Configs whose splits are listed when streaming (a dataset may have hundreds).
MAX_CONFIGS = 20
_MESSAGE_LIMIT = 200
_lock = threading.Lock()  # datasets' endpoint is a module global: one streaming preview at a time


def import_datasets() -> ModuleType:
    """The `datasets` library, imported on first use (it costs seconds; the app must start fast)."""
    import datasets

    return datasets


@contextmanager
def _datasets_at(settings: Settings) -> Iterator[Any]:
    """The `datasets` module, reading from `settings.endpoint` with fail-fast reads, for the duration."""
    datasets = import_datasets()
    from huggingface_hub import constants

    install_client(settings.timeout)
    endpoint = settings.endpoint.rstrip("/")
    config = datasets.config
    with _lock:
        saved = {
            (config, "HF_ENDPOINT"): config.HF_ENDPOINT,
            (config, "HUB_DATASETS_URL"): config.HUB_DATASETS_URL,
            (config, "USE_PARQUET_EXPORT"): config.USE_PARQUET_EXPORT,
            (config, "STREAMING_READ_MAX_RETRIES"): config.STREAMING_READ_MAX_RETRIES,
            (constants, "ENDPOINT"): constants.ENDPOINT,
            (constants, "HUGGINGFACE_CO_URL_TEMPLATE"): constants.HUGGINGFACE_CO_URL_TEMPLATE,
        }
        config.HF_ENDPOINT = endpoint
        config.HUB_DATASETS_URL = endpoint + "/datasets/{repo_id}/resolve/{revision}/{path}"
        config.USE_PARQUET_EXPORT = False  # it would ask the viewer, which has nothing for this dataset
        config.STREAMING_READ_MAX_RETRIES = 1
        if constants.ENDPOINT != endpoint:
            constants.ENDPOINT = endpoint
            constants.HUGGINGFACE_CO_URL_TEMPLATE = endpoint + "/{repo_id}/resolve/{revision}/{filename}"
        try:
            yield datasets
        finally:
            for (module, name), value in saved.items():
                setattr(module, name, value)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _app_error_in_chain(exc: BaseException) -> errors.HubExplorerError | None:
    """An app error raised by our transport and wrapped by `datasets` (ConnectionError from HubUnreachableError...)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, errors.HubExplorerError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def translate_datasets_error(exc: BaseException, dataset: str) -> errors.HubExplorerError:
    """The app error for a failure of `datasets` while streaming `dataset`."""
    found = _app_error_in_chain(exc)
    if found is not None:
        return found
    from huggingface_hub import errors as hf_errors

    name = type(exc).__name__
    text = _short(exc)
    if isinstance(exc, (hf_errors.HfHubHTTPError, hf_errors.HFValidationError)):
        return translate(exc, what=f"Dataset {dataset!r}")
    if name == "DatasetNotFoundError":
        if "gated" in text.lower():
            return errors.GatedRepoError(f"Dataset {dataset!r} is gated: streaming its rows needs a token with access.")
        return errors.NotFoundError(f"Dataset {dataset!r} was not found on the Hub (or it is private).")
    if name in ("DataFilesNotFoundError", "EmptyDatasetError", "FileNotFoundDatasetsError"):
        return PreviewUnavailableError(f"Dataset {dataset!r} has no data files the `datasets` library recognises.")
    if isinstance(exc, RuntimeError) and "scripts are no longer supported" in text:
        return PreviewUnavailableError(
            f"Dataset {dataset!r} is built by a loading script, which the `datasets` library no longer runs."
        )
    if isinstance(exc, ValueError) and ("Bad split" in text or "Unknown split" in text):
        return errors.NotFoundError(f"That split does not exist in dataset {dataset!r}: {text}")
    if isinstance(exc, ValueError) and "BuilderConfig" in text:
        return errors.NotFoundError(f"That config does not exist in dataset {dataset!r}: {text}")
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return errors.HubUnreachableError(f"Streaming dataset {dataset!r} lost the connection to the Hub ({text}).")
    if isinstance(exc, ImportError):
        return PreviewUnavailableError(
            f"Reading dataset {dataset!r} needs a library that is not installed ({text})."
        )
    return PreviewUnavailableError(f"The `datasets` library could not read dataset {dataset!r} ({name}: {text}).")


@contextmanager
def _errors(dataset: str) -> Iterator[None]:
    try:
        yield
    except errors.HubExplorerError:
        raise
    except Exception as exc:  # the translation boundary for `datasets`
        raise translate_datasets_error(exc, dataset) from exc


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
    with _datasets_at(settings) as lib, _errors(dataset):
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
    with _datasets_at(settings) as lib, _errors(dataset):
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
