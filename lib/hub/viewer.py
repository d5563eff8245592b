"""`ViewerClient`: the dataset viewer API (datasets-server) read into typed records.

The viewer (https://datasets-server.huggingface.co, or `HUB_EXPLORER_VIEWER_ENDPOINT`) answers what the Hub itself
does not: a dataset's configs and splits with row counts (`/splits`, `/size`), its features (`/info`), its first rows
(`/first-rows`) and per-column statistics (`/statistics`), and whether it can do any of that (`/is-valid`).

Requests go through huggingface_hub's shared HTTP client (`get_session()`), so the app's `FailFastTransport` and
timeouts apply, and `hf_raise_for_status` reads the answers. Every method raises only `lib.errors` errors:

```
HubExplorerError
├── NotFoundError            the viewer has nothing for this dataset / config / split (404 `ResponseNotFound`)
│   ├── ViewerDisabledError  the dataset's card says `viewer: false` (501 `NotSupportedDisabledViewerError`)
│   └── PreviewUnavailableError  rows could not be read at all (the viewer's other `NotSupported*` answers; also
│                            raised by `lib.datasets_preview`)
├── AccessError              401 `ExternalUnauthenticatedError` (no token), 404 `ExternalAuthenticatedError` (a token
│                            without access): the dataset is gated or private
├── RateLimitedError / HubUnavailableError / HubUnreachableError   (429, 5xx, no answer)
├── MalformedAnswerError     the answer did not have the documented shape
└── InvalidQueryError        422 `MissingRequiredParameter` / `InvalidParameter`
```

The token is sent as `Authorization: Bearer ...` (huggingface_hub's own headers); it is never logged, put in a URL
or in an error message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2
from huggingface_hub import get_session
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status

from lib import errors
from lib.errors import ViewerDisabledError
from lib.settings import Settings, load_settings
from lib.translate import translated

T = TypeVar("T")

#: Most rows the viewer returns from `/first-rows` (it may return fewer: `truncated`).
FIRST_ROWS_LIMIT = 100
_MEDIA_TYPES = frozenset({"Image", "Audio", "Video", "Pdf", "Nifti", "Mesh"})


# --- records ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewerStatus:
    """`/is-valid`: what the viewer can do for a dataset."""

    viewer: bool = False
    preview: bool = False
    statistics: bool = False

    @property
    def has_rows(self) -> bool:
        return self.viewer or self.preview


@dataclass(frozen=True, order=True)
class SplitRef:
    config: str
    split: str


@dataclass(frozen=True)
class SplitsListing:
    """`/splits`: every (config, split); `pending` and `failed` name configs the viewer has not listed."""

    splits: tuple[SplitRef, ...]
    pending: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()

    @property
    def configs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.config for s in self.splits))

    def splits_of(self, config: str) -> tuple[str, ...]:
        return tuple(s.split for s in self.splits if s.config == config)


@dataclass(frozen=True)
class Feature:
    """One column: its name and its type as the `datasets` library writes features in JSON
    (`{"dtype": "string", "_type": "Value"}`, `{"names": [...], "_type": "ClassLabel"}`, ...)."""

    name: str
    type: Any

    @property
    def label(self) -> str:
        """A short readable type: `string`, `ClassLabel (2 names)`, `List[string]`, `Audio (16 kHz)`..."""
        return describe_type(self.type)

    @property
    def class_names(self) -> tuple[str, ...]:
        if isinstance(self.type, dict) and self.type.get("_type") == "ClassLabel":
            return tuple(str(n) for n in self.type.get("names") or ())
        return ()

    @property
    def media(self) -> str | None:
        """`Image`, `Audio`, `Video`... when the column holds media (the viewer sends their URLs)."""
        if isinstance(self.type, dict) and self.type.get("_type") in _MEDIA_TYPES:
            return str(self.type["_type"])
        return None


@dataclass(frozen=True)
class RowItem:
    idx: int
    row: dict[str, Any]
    truncated_cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class FirstRows:
    """The first rows of one split with its features; from the viewer or streamed with `datasets`."""

    dataset: str
    config: str
    split: str
    features: tuple[Feature, ...]
    rows: tuple[RowItem, ...]
    truncated: bool = False
    source: str = "viewer"  # "viewer" or "datasets"
    note: str | None = None  # why the viewer was not used, when it was not

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)


@dataclass(frozen=True)
class SplitSize:
    config: str
    split: str
    num_rows: int | None = None
    num_columns: int | None = None
    num_bytes_parquet_files: int | None = None


@dataclass(frozen=True)
class DatasetSize:
    """`/size`: rows and bytes of the whole dataset and of each split. `partial`: the viewer only read the first
    part of a big dataset, so the numbers are lower bounds."""

    num_rows: int | None = None
    num_bytes_parquet_files: int | None = None
    num_bytes_memory: int | None = None
    splits: tuple[SplitSize, ...] = ()
    partial: bool = False

    def split(self, config: str, split: str) -> SplitSize | None:
        return next((s for s in self.splits if s.config == config and s.split == split), None)


@dataclass(frozen=True)
class ConfigInfo:
    """`/info` of one config (the `datasets` library's `DatasetInfo`): what the app reads of it, its features."""

    features: tuple[Feature, ...]


@dataclass(frozen=True)
class Histogram:
    """`len(bin_edges) == len(hist) + 1`. Edges are numbers, or text for `datetime` columns ("2013-05-18 04:54")."""

    hist: tuple[int, ...]
    bin_edges: tuple[float | str, ...]

    @property
    def numeric(self) -> bool:
        return all(isinstance(e, (int, float)) for e in self.bin_edges)


@dataclass(frozen=True)
class ColumnStatistics:
    """One column of `/statistics`. Numbers (`int`, `float`), text lengths (`string_text`), list lengths (`list`)
    and audio durations (`audio`) come with a histogram; categories (`class_label`, `string_label`, `bool`) with
    `frequencies`; `datetime` with a histogram whose edges are text. Fields a type lacks are None, and so are
    measures of a shape this client does not know (the column is kept, without them)."""

    name: str
    type: str
    nan_count: int | None = None
    nan_proportion: float | None = None
    n_unique: int | None = None
    no_label_count: int | None = None
    min: float | str | None = None  # text for `datetime` columns (and `std` as a duration: "11 days, 4:23:12")
    max: float | str | None = None
    mean: float | str | None = None
    median: float | str | None = None
    std: float | str | None = None
    histogram: Histogram | None = None
    frequencies: dict[str, int] | None = None


@dataclass(frozen=True)
class SplitStatistics:
    """`/statistics` of one split: the rows counted (`partial`: only the first 5 GB) and one entry per column."""

    num_examples: int | None
    columns: tuple[ColumnStatistics, ...]
    partial: bool = False


@dataclass(frozen=True)
class ViewerOverview:
    """What the viewer knows of a dataset, in one answer: status, splits and sizes. `disabled` when the owner
    turned it off; otherwise `note` says why there are no splits, when there are none."""

    status: ViewerStatus
    splits: SplitsListing = field(default_factory=lambda: SplitsListing(()))
    size: DatasetSize | None = None
    disabled: bool = False
    note: str | None = None

    @property
    def has_rows(self) -> bool:
        return not self.disabled and self.status.has_rows and bool(self.splits.splits)


# --- type descriptions -------------------------------------------------------------------------------------------


def describe_type(t: Any, depth: int = 0) -> str:
    """A feature type as a short readable string (nested types are summarised after two levels)."""
    if isinstance(t, list):  # legacy list-of-features form: [{"dtype": ...}]
        return f"List[{describe_type(t[0], depth + 1)}]" if t else "List"
    if not isinstance(t, dict):
        return str(t)
    kind = t.get("_type")
    if kind == "Value":
        return str(t.get("dtype", "?"))
    if kind == "ClassLabel":
        names = t.get("names") or []
        return f"ClassLabel ({len(names)} names)" if names else "ClassLabel"
    if kind == "Audio":
        rate = t.get("sampling_rate")
        return f"Audio ({rate / 1000:g} kHz)" if isinstance(rate, (int, float)) and rate else "Audio"
    if kind in ("List", "Sequence", "LargeList"):
        inner = t.get("feature")
        length = t.get("length", -1)
        size = f", {length}" if isinstance(length, int) and length >= 0 else ""
        return f"List[{describe_type(inner, depth + 1) if depth < 2 else '…'}{size}]"
    if kind in ("Array2D", "Array3D", "Array4D", "Array5D"):
        return f"{kind}{tuple(t.get('shape') or ())} {t.get('dtype', '')}".strip()
    if kind == "Translation":
        return f"Translation ({', '.join(t.get('languages') or [])})"
    if kind is not None:
        return str(kind)
    if depth >= 2:
        return "struct{…}"
    fields = [f"{k}: {describe_type(v, depth + 1)}" for k, v in list(t.items())[:4]]
    more = ", …" if len(t) > 4 else ""
    return "struct{" + ", ".join(fields) + more + "}"


# --- parsing (every parser raises KeyError/TypeError/ValueError on a wrong shape) --------------------------------


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return int(value)


def _float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    number = float(value)
    return number if math.isfinite(number) else None


def _obj(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def parse_status(data: Any) -> ViewerStatus:
    d = _obj(data)
    return ViewerStatus(**{name: bool(d.get(name, False)) for name in ("viewer", "preview", "statistics")})


def _names(items: Any, key: str) -> tuple[str, ...]:
    return tuple(str(_obj(i).get(key, "")) for i in _list(items or []))


def parse_splits(data: Any) -> SplitsListing:
    d = _obj(data)
    splits = tuple(SplitRef(str(_obj(s)["config"]), str(s["split"])) for s in _list(d["splits"]))
    return SplitsListing(splits=splits, pending=_names(d.get("pending"), "config"),
                         failed=_names(d.get("failed"), "config"))


def parse_features(items: Any) -> tuple[Feature, ...]:
    """`/first-rows` features: `[{"feature_idx": 0, "name": ..., "type": {...}}, ...]`."""
    listed = sorted(_list(items), key=lambda f: _obj(f).get("feature_idx", 0))
    return tuple(Feature(str(f["name"]), f["type"]) for f in listed)


def parse_first_rows(data: Any) -> FirstRows:
    d = _obj(data)
    rows = tuple(
        RowItem(
            idx=_int(_obj(r)["row_idx"]) or 0,
            row=dict(_obj(r["row"])),
            truncated_cells=tuple(str(c) for c in _list(r.get("truncated_cells") or [])),
        )
        for r in _list(d["rows"])
    )
    return FirstRows(
        dataset=str(d["dataset"]),
        config=str(d["config"]),
        split=str(d["split"]),
        features=parse_features(d["features"]),
        rows=rows,
        truncated=bool(d.get("truncated", False)),
    )


def parse_size(data: Any) -> DatasetSize:
    d = _obj(data)
    size = _obj(d["size"])
    whole = _obj(size.get("dataset") or {})
    configs = _list(size.get("configs") or ([size["config"]] if "config" in size else []))
    splits = tuple(
        SplitSize(
            config=str(_obj(s)["config"]),
            split=str(s["split"]),
            num_rows=_int(s.get("num_rows")),
            num_columns=_int(s.get("num_columns")),
            num_bytes_parquet_files=_int(s.get("num_bytes_parquet_files")),
        )
        for s in _list(size.get("splits") or [])
    )
    return DatasetSize(
        num_rows=_int(whole.get("num_rows")) if whole else sum(_int(_obj(c).get("num_rows")) or 0 for c in configs),
        num_bytes_parquet_files=_int(whole.get("num_bytes_parquet_files")) if whole else None,
        num_bytes_memory=_int(whole.get("num_bytes_memory")) if whole else None,
        splits=splits,
        partial=bool(d.get("partial", False)),
    )


def _features_from_info(features: Any) -> tuple[Feature, ...]:
    if isinstance(features, list):  # some exports list features as [{"name": ..., ...}]
        return tuple(Feature(str(_obj(f)["name"]), {k: v for k, v in f.items() if k != "name"}) for f in features)
    return tuple(Feature(str(name), t) for name, t in _obj(features).items())


def parse_info(data: Any) -> ConfigInfo:
    info = _obj(_obj(data)["dataset_info"])
    return ConfigInfo(features=_features_from_info(info.get("features") or {}))


def _measure(value: Any) -> float | str | None:
    return value if isinstance(value, str) else _float(value)


def _histogram(hist: Any, column: Any) -> Histogram | None:
    if hist is None:
        return None
    h = _obj(hist)
    counts = tuple(_int(v) or 0 for v in _list(h["hist"]))
    edges = tuple(_measure(v) for v in _list(h["bin_edges"]))
    if len(edges) != len(counts) + 1 or any(e is None for e in edges):
        raise ValueError(f"histogram of {column!r}: {len(counts)} bins but {len(edges)} edges")
    return Histogram(counts, edges)  # type: ignore[arg-type]


def _column(item: Any) -> ColumnStatistics:
    c = _obj(item)
    name, kind = str(c["column_name"]), str(c["column_type"])
    s = _obj(c.get("column_statistics") or {})
    try:
        frequencies = s.get("frequencies")
        return ColumnStatistics(
            name=name,
            type=kind,
            nan_count=_int(s.get("nan_count")),
            nan_proportion=_float(s.get("nan_proportion")),
            n_unique=_int(s.get("n_unique")),
            no_label_count=_int(s.get("no_label_count")),
            min=_measure(s.get("min")),
            max=_measure(s.get("max")),
            mean=_measure(s.get("mean")),
            median=_measure(s.get("median")),
            std=_measure(s.get("std")),
            histogram=_histogram(s.get("histogram"), name),
            frequencies=(
                {str(k): _int(v) or 0 for k, v in _obj(frequencies).items()} if frequencies is not None else None
            ),
        )
    except (KeyError, TypeError, ValueError):  # a column type this client does not know: keep the column
        return ColumnStatistics(name=name, type=kind)


def parse_statistics(data: Any) -> SplitStatistics:
    d = _obj(data)
    return SplitStatistics(
        num_examples=_int(d.get("num_examples")),
        columns=tuple(_column(c) for c in _list(d["statistics"])),
        partial=bool(d.get("partial", False)),
    )


# --- client ------------------------------------------------------------------------------------------------------


class ViewerClient:
    """Read the dataset viewer. Inject `session` (an `httpx2.Client`) to bypass huggingface_hub's shared one."""

    def __init__(self, settings: Settings | None = None, *, session: httpx2.Client | None = None) -> None:
        self.settings = settings or load_settings()
        self._session = session

    @property
    def endpoint(self) -> str:
        return self.settings.viewer_endpoint

    def _get(self, route: str, what: str, parse: Callable[[Any], T], **params: str) -> T:
        session = self._session or get_session()  # looked up per call: the shared client may be replaced
        headers = build_hf_headers(token=self.settings.token, library_name="hub-explorer")
        with translated(what, service="viewer", where=self.endpoint):
            response = session.get(f"{self.endpoint}/{route}", params=params, headers=headers)
            hf_raise_for_status(response)
            return parse(response.json())

    # --- endpoints -----------------------------------------------------------------------------------------------
    def is_valid(self, dataset: str) -> ViewerStatus:
        return self._get("is-valid", f"dataset {dataset!r}", parse_status, dataset=dataset)

    def splits(self, dataset: str) -> SplitsListing:
        return self._get("splits", f"dataset {dataset!r}", parse_splits, dataset=dataset)

    def size(self, dataset: str) -> DatasetSize:
        return self._get("size", f"dataset {dataset!r}", parse_size, dataset=dataset)

    def info(self, dataset: str, config: str) -> ConfigInfo:
        return self._get("info", _what(dataset, config), parse_info, dataset=dataset, config=config)

    def first_rows(self, dataset: str, config: str, split: str) -> FirstRows:
        return self._get("first-rows", _what(dataset, config, split), parse_first_rows,
                         dataset=dataset, config=config, split=split)

    def statistics(self, dataset: str, config: str, split: str) -> SplitStatistics:
        return self._get("statistics", _what(dataset, config, split), parse_statistics,
                         dataset=dataset, config=config, split=split)

    # --- composite -----------------------------------------------------------------------------------------------
    def overview(self, dataset: str) -> ViewerOverview:
        """Status, splits and sizes. "Nothing here" (404, not valid) is an answer (`has_rows` False, with a `note`);
        a disabled viewer too (`disabled`). Access, rate-limit and connection errors are raised."""
        try:
            status = self.is_valid(dataset)
        except ViewerDisabledError as exc:
            return ViewerOverview(ViewerStatus(), disabled=True, note=str(exc))
        except (errors.NotFoundError, errors.InvalidQueryError) as exc:
            return ViewerOverview(ViewerStatus(), note=str(exc))
        if not status.has_rows:
            return ViewerOverview(status, note=f"The dataset viewer cannot show rows of dataset {dataset!r}.")
        try:
            listing = self.splits(dataset)
        except errors.NotFoundError as exc:
            return ViewerOverview(status, note=str(exc))
        try:
            size: DatasetSize | None = self.size(dataset)
        except (errors.NotFoundError, errors.MalformedAnswerError):
            size = None  # sizes are a bonus: rows and statistics do not need them
        note = None if listing.splits else f"The dataset viewer lists no splits for dataset {dataset!r}."
        return ViewerOverview(status, listing, size, note=note)


def _what(dataset: str, config: str, split: str | None = None) -> str:
    if split is None:
        return f"config {config!r} of {dataset!r}"
    return f"split {split!r} of config {config!r} of {dataset!r}"

