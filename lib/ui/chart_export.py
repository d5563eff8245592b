"""Download buttons under a chart: its data as CSV and the chart itself as PNG or SVG.

The files are made only when a button is clicked (`st.download_button` takes a callable): converting a chart
costs a few hundred ms (`lib.chart_files`), far too much to do for every chart on every rerun. A click does not
rerun the page (``on_click="ignore"``), so downloading keeps the charts' selections and the filters as they are.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib import chart_files
from lib.chart_files import ChartOrSpec

_FORMATS: tuple[tuple[str, str, str, str], ...] = (
    # label, extension, mime type, help
    ("CSV", "csv", "text/csv", "This chart's data as CSV"),
    ("PNG", "png", "image/png", "This chart as a PNG image"),
    ("SVG", "svg", "image/svg+xml", "This chart as an SVG image (sharp at any size)"),
)


def _maker(fmt: str, chart_or_spec: ChartOrSpec, frame: pd.DataFrame,
           table: pd.DataFrame) -> Callable[[], bytes | str]:  # fmt: skip
    """The callable that makes one file; nothing is converted until it is called."""
    if fmt == "csv":
        return lambda: chart_files.to_csv(table)
    if fmt == "png":
        return lambda: chart_files.to_png(chart_or_spec, frame)
    return lambda: chart_files.to_svg(chart_or_spec, frame)


def export_buttons(chart_or_spec: ChartOrSpec, frame: pd.DataFrame, *, key: str, file_stem: str,
                   table: pd.DataFrame | None = None) -> None:  # fmt: skip
    """Compact CSV, PNG and SVG download buttons in one row.

    `chart_or_spec` is an Altair chart or a Vega-Lite dict (a spec without data gets `frame` inlined); `frame`
    is the chart's data, and the CSV's unless `table` is given (the rows without the columns only the drawing
    needs). `key` makes the buttons' widget keys unique (``{key}:csv`` ...); the files are named
    ``{file_stem}.csv`` ... The spec is copied at once, so a caller may change its own afterwards.
    """
    table = frame if table is None else table
    snapshot = copy.deepcopy(chart_or_spec) if isinstance(chart_or_spec, dict) else chart_or_spec
    with st.container(horizontal=True, gap="small"):
        for label, ext, mime, help_text in _FORMATS:
            st.download_button(label, _maker(ext, snapshot, frame, table), file_name=f"{file_stem}.{ext}", mime=mime,
                               key=f"{key}:{ext}", on_click="ignore", type="tertiary",
                               icon=":material/download:", help=help_text)  # fmt: skip
