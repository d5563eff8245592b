"""A chart as a file: Vega-Lite spec + its data -> SVG text or PNG bytes (no Streamlit here).

The pages draw charts from a spec *template* (no data, see `lib.charts.template`) with the frame sent beside it;
a file must carry its data, so `export_spec` inlines the frame as ``data.values`` when the spec has none (a spec
that already carries data, such as a whole Altair chart, keeps its own). Files get a white background and a
fixed width: a page's chart stretches to its column, and a transparent file would lose its grey axis labels
on a dark viewer. Sizes mean what they mean on the page (Streamlit fits the whole chart, axes included, in
them). Conversion runs in `vl_convert` (Vega in an embedded JavaScript engine, no browser), imported only when
a file is asked for: it takes a few hundred ms per chart, so the pages convert only on a click.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import altair as alt
import pandas as pd

#: Width of an exported chart, axes and title included, when the spec sets none (a page's chart takes its
#: column's width).
EXPORT_WIDTH = 640
#: PNG pixels per CSS pixel: crisp on high-density screens and in slides.
PNG_SCALE = 2.0
BACKGROUND = "white"

ChartOrSpec = alt.TopLevelMixin | dict[str, Any]


def _has_data(spec: dict[str, Any]) -> bool:
    """Whether a spec (or any view inside it) names its own data."""
    if "data" in spec:
        return True
    for key in ("layer", "hconcat", "vconcat", "concat"):
        if any(isinstance(part, dict) and _has_data(part) for part in spec.get(key, [])):
            return True
    return isinstance(spec.get("spec"), dict) and _has_data(spec["spec"])


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready rows: numpy scalars made plain, timestamps as ISO text (Vega-Lite parses them for
    temporal fields), NaN/NaT as null."""
    return json.loads(frame.to_json(orient="records", date_format="iso", date_unit="ms"))


def export_spec(chart_or_spec: ChartOrSpec, frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """A self-contained Vega-Lite spec: `frame` inlined when the spec has no data, a white background, and a
    fixed width for a single (or layered) view that has none. The input is never changed."""
    if isinstance(chart_or_spec, dict):
        spec = copy.deepcopy(chart_or_spec)
    elif isinstance(chart_or_spec, alt.TopLevelMixin):
        spec = chart_or_spec.to_dict()
    else:
        raise TypeError(f"Expected an Altair chart or a Vega-Lite dict, got {type(chart_or_spec).__name__}.")
    if not _has_data(spec):
        if frame is None:
            raise ValueError("This chart spec has no data: pass the frame it draws.")
        spec["data"] = {"values": records(frame)}
    spec["background"] = BACKGROUND
    single_view = "mark" in spec or "layer" in spec
    if single_view:
        # as Streamlit draws it: `width` and `height` hold the whole chart, title and axes included
        spec.setdefault("autosize", {"type": "fit", "contains": "padding"})
        spec.setdefault("width", EXPORT_WIDTH)
    return spec


def to_svg(chart_or_spec: ChartOrSpec, frame: pd.DataFrame | None = None) -> str:
    """The chart as an SVG document (text, fonts by name, so it stays sharp and editable)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(export_spec(chart_or_spec, frame))


def to_png(chart_or_spec: ChartOrSpec, frame: pd.DataFrame | None = None, *, scale: float = PNG_SCALE) -> bytes:
    """The chart as a PNG image, `scale` pixels per CSS pixel."""
    import vl_convert

    return vl_convert.vegalite_to_png(export_spec(chart_or_spec, frame), scale=scale)


def to_csv(frame: pd.DataFrame) -> bytes:
    """A chart's data as UTF-8 CSV (no index: the frames have meaningful columns only)."""
    return frame.to_csv(index=False).encode("utf-8")
