"""What the dataset detail shows of the dataset viewer's answers, as plain values and DataFrames (no Streamlit).

Cells of the first rows as the preview grid shows them (class labels named, media as their URL, nested values as
short one-line JSON text), the features and splits tables, and the frames behind the statistics charts (histogram
bins, category counts) with their one-line summaries. `lib.viewer_charts` draws the charts from these frames;
`lib.ui.views.dataset` lays them out.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd

from lib.format import human_bytes, human_count
from lib.hub.viewer import ColumnStatistics, DatasetSize, Feature, FirstRows, SplitsListing

#: Longest text shown in a preview cell (the grid shows one line per row anyway).
CELL_TEXT_LIMIT = 160
#: Bars of a category chart; the rest are summed into one "other" bar.
TOP_CATEGORIES = 12
#: Longest category label on a bar; longer ones are cut in the middle.
LABEL_LIMIT = 32
#: Class names listed in the features table; the rest are counted.
CLASS_NAMES_SHOWN = 8

ColumnKind = Literal["media", "number", "text"]

# --- the preview ---------------------------------------------------------------------------------------------------


def dumps_cell(value: Any) -> str:
    """A nested cell (list, dict) as compact JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def cell_text(value: Any, limit: int = CELL_TEXT_LIMIT) -> str:
    """Any cell as one line of text (blanks collapsed), cut to `limit` characters with an ellipsis."""
    text = value if isinstance(value, str) else dumps_cell(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def media_url(value: Any) -> str | None:
    """The http(s) URL the viewer gives for an image (`{"src": ...}`) or audio (`[{"src": ..., "type": ...}]`)
    cell; None for anything else (other schemes, such as `javascript:`, included)."""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict) and isinstance(value.get("src"), str):
        src = value["src"]
        return src if src.startswith(("https://", "http://")) else None
    return None


def preview_cell(feature: Feature, value: Any) -> Any:
    """One cell as the preview shows it: class labels named, media as their URL, long or nested values as short
    text; numbers and booleans unchanged."""
    if value is None:
        return None
    if feature.media is not None:
        return media_url(value) or cell_text(value)
    names = feature.class_names
    if names and isinstance(value, int) and not isinstance(value, bool):
        return f"{names[value]} ({value})" if 0 <= value < len(names) else f"no label ({value})"
    if isinstance(value, (bool, int, float)):
        return value
    return cell_text(value)


def preview_frame(rows: FirstRows) -> pd.DataFrame:
    """The first rows as a table indexed by row number, one column per feature (in the features' order; in the
    rows' order of keys when there are no features)."""
    names = list(rows.columns) or list(dict.fromkeys(k for r in rows.rows for k in r.row))
    by_name = {f.name: f for f in rows.features}
    data = [
        {name: preview_cell(by_name.get(name, Feature(name, {})), item.row.get(name)) for name in names}
        for item in rows.rows
    ]
    return pd.DataFrame(data, columns=names, index=pd.Index([r.idx for r in rows.rows], name="row"))


def column_kind(feature: Feature) -> ColumnKind:
    """How the preview grid shows a feature's column: media as links, plain numbers and booleans as they are,
    everything else (strings, labels, nested values) as text."""
    if feature.media is not None:
        return "media"
    t = feature.type
    if isinstance(t, dict) and t.get("_type") == "Value" and t.get("dtype") not in ("string", "large_string"):
        return "number"
    return "text"


def column_width(frame: pd.DataFrame, name: str) -> Literal["small", "medium", "large"]:
    """A text column's width in the grid, from its longest value."""
    longest = max((len(str(v)) for v in frame[name] if v is not None), default=0) if name in frame else 0
    return "large" if longest > 60 else "medium" if longest > 14 else "small"


def truncated_columns(rows: FirstRows) -> list[str]:
    """Columns whose cells the viewer shortened in any row, sorted."""
    return sorted({c for r in rows.rows for c in r.truncated_cells})


# --- schema and splits ---------------------------------------------------------------------------------------------


def features_frame(features: Sequence[Feature]) -> pd.DataFrame:
    """One row per feature: its name, readable type and (for class labels) the first names."""

    def labels(f: Feature) -> str:
        if not f.class_names:
            return ""
        shown = ", ".join(f.class_names[:CLASS_NAMES_SHOWN])
        more = len(f.class_names) > CLASS_NAMES_SHOWN
        return shown + (f", … ({len(f.class_names)} in all)" if more else "")

    return pd.DataFrame(
        [{"column": f.name, "type": f.label, "labels": labels(f)} for f in features],
        columns=["column", "type", "labels"],
    )


def split_row_counts(listing: SplitsListing, size: DatasetSize | None) -> list[dict[str, Any]]:
    """One row per (config, split) in the listing's order: rows, columns and parquet bytes from `/size` (None
    where `/size` does not list the split)."""
    out: list[dict[str, Any]] = []
    for ref in listing.splits:
        sized = size.split(ref.config, ref.split) if size is not None else None
        out.append({
            "config": ref.config,
            "split": ref.split,
            "rows": sized.num_rows if sized is not None else None,
            "columns": sized.num_columns if sized is not None else None,
            "parquet bytes": sized.num_bytes_parquet_files if sized is not None else None,
        })
    return out


def splits_frame(listing: SplitsListing, size: DatasetSize | None) -> pd.DataFrame:
    """`split_row_counts` as a table: counts as nullable integers, parquet bytes as readable text ("–" unknown)."""
    frame = pd.DataFrame(split_row_counts(listing, size), columns=["config", "split", "rows", "columns",
                                                                   "parquet bytes"])
    frame["parquet"] = [human_bytes(b) if pd.notna(b) else "–" for b in frame.pop("parquet bytes")]
    frame["rows"] = frame["rows"].astype("Int64")
    frame["columns"] = frame["columns"].astype("Int64")
    return frame


# --- statistics ----------------------------------------------------------------------------------------------------


def format_measure(x: float | str | None) -> str:
    """A statistic as text: integers with thousands separators, other numbers to 4 significant digits (one decimal
    from 1,000 up), text (dates and durations of `datetime` columns) as it is, "–" when unknown."""
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.1f}"


_UNITS = {"string_text": " chars", "list": " items", "audio": " s"}


def stat_summary(col: ColumnStatistics) -> str:
    """The numbers behind a chart, in one line: nulls first, then the type's measures."""
    nulls = human_count(col.nan_count) if col.nan_count is not None else "–"
    parts = [f"nulls {nulls}" + (f" ({col.nan_proportion:.1%})" if col.nan_proportion else "")]
    if col.no_label_count:
        parts.append(f"no label {col.no_label_count:,}")
    if col.n_unique is not None:
        parts.append(f"{col.n_unique:,} distinct")
    unit = _UNITS.get(col.type, "")
    if col.histogram is not None:
        parts += [f"min {format_measure(col.min)}{unit}", f"max {format_measure(col.max)}{unit}",
                  f"mean {format_measure(col.mean)}", f"median {format_measure(col.median)}",
                  f"std {format_measure(col.std)}"]
    return " · ".join(parts)


def has_spread(col: ColumnStatistics) -> bool:
    """Whether the column's histogram has bins of some width (not every value the same)."""
    hist = col.histogram
    return hist is not None and bool(hist.hist) and hist.bin_edges[0] != hist.bin_edges[-1]


def histogram_frame(col: ColumnStatistics) -> pd.DataFrame:
    """One row per bin: `start`, `end` (numbers, or text for dates), `rows`, `mid` (numbers only), and
    `label`/`range` to show."""
    if col.histogram is None:
        raise ValueError(f"column {col.name!r} has no histogram")
    edges, counts = col.histogram.bin_edges, col.histogram.hist
    frame = pd.DataFrame({"start": list(edges[:-1]), "end": list(edges[1:]), "rows": list(counts)})
    if col.histogram.numeric:
        frame["mid"] = (frame["start"] + frame["end"]) / 2
    frame["label"] = [human_count(c) for c in counts]
    frame["range"] = [f"{format_measure(a)} – {format_measure(b)}" for a, b in itertools.pairwise(edges)]
    return frame


def short_label(text: str, limit: int = LABEL_LIMIT) -> str:
    """A category label cut in the middle (paths and ids differ at their end, words at their start)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[-(limit - 1 - head):]


def frequencies_frame(col: ColumnStatistics, top: int = TOP_CATEGORIES) -> pd.DataFrame:
    """Category counts, largest first (ties by value): the top `top`, then one `other` bar summing the rest, then
    rows without label and nulls. `value` is the bar's (short, distinct) label, `full` the whole value."""
    freq = sorted((col.frequencies or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [{"value": str(k), "rows": int(v), "kind": "value"} for k, v in freq[:top]]
    rest = freq[top:]
    if rest:
        rows.append({"value": f"{len(rest):,} other values", "rows": sum(v for _, v in rest), "kind": "other"})
    if col.no_label_count:
        rows.append({"value": "(no label)", "rows": col.no_label_count, "kind": "no label"})
    if col.nan_count:
        rows.append({"value": "(null)", "rows": col.nan_count, "kind": "null"})
    frame = pd.DataFrame(rows, columns=["value", "rows", "kind"])
    frame["full"] = frame["value"]
    short = [short_label(v) for v in frame["value"]]
    # bars are keyed by their label: keep cut labels distinct
    frame["value"] = [v if short.count(v) == 1 else f"{v} #{i + 1}" for i, v in enumerate(short)]
    frame["label"] = [human_count(v) for v in frame["rows"]]
    return frame


def single_value_frame(col: ColumnStatistics) -> pd.DataFrame:
    """A histogram whose edges are all equal (every value the same) as one category bar of all its rows."""
    if col.histogram is None:
        raise ValueError(f"column {col.name!r} has no histogram")
    value = format_measure(col.histogram.bin_edges[0])
    rows = sum(col.histogram.hist)
    return pd.DataFrame({"value": [value], "full": [value], "rows": [rows], "kind": ["value"],
                         "label": [human_count(rows)]})
