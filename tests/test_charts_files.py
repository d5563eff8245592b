"""Charts as files (`lib.chart_files`): the page's spec templates plus their frames become real SVG and PNG.

The SVG is parsed and read back: its title and axis titles, one axis label per category, and one drawn mark
per bar or point, counted independently from the raw fixture items. The PNG is opened with PIL.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from PIL import Image

from lib import chart_files, charts
from lib.records import record_from_api

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hub"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return json.loads((FIXTURES / "models.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def frames(items: list[dict]) -> dict[str, pd.DataFrame]:
    return charts.aggregate_results([record_from_api("models", i) for i in items], "models")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element, role: str) -> list[str]:
    """The text of every SVG text mark in groups of a Vega role (``axis-title``, ``axis-label``, ``title-text``)."""
    out = []
    for group in root.iter(f"{SVG}g"):
        if f"role-{role}" in group.get("class", "").split():
            out += ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]
    return out


def marks(root: ET.Element, mark: str) -> int:
    """How many shapes the data marks of a type (``rect``, ``symbol``) drew: axes and grid have other roles, and a
    selection's brush is a mark named after the selection (``brush_brush``), not ``marks`` / ``..._marks``."""
    count = 0
    for group in root.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        if f"mark-{mark}" in classes and "role-mark" in classes and any(c.endswith("marks") for c in classes):
            count += sum(1 for child in group if child.tag == f"{SVG}path")
    return count


def test_distribution_as_svg_has_its_titles_labels_and_one_bar_per_value(
    items: list[dict], frames: dict[str, pd.DataFrame]
) -> None:
    tasks = pd.Series([i.get("pipeline_tag") or "(none)" for i in items]).value_counts()
    spec = charts.template(charts.distribution_chart(frames["task"], "task"))
    root = parse(chart_files.to_svg(spec, frames["task"]))
    assert texts(root, "title-text") == ["By task"]
    assert texts(root, "axis-title") == ["Repos"]
    shown = frames["task"]["task"].tolist()
    assert [v for v in texts(root, "axis-label") if not v.isdigit()] == shown  # y labels, in the frame's order
    assert marks(root, "rect") == len(shown) == min(len(tasks), charts.TOP_N) + (len(tasks) > charts.TOP_N)
    count_labels = [int(t) for t in texts(root, "mark") if t.isdigit()]  # the count printed beside each bar
    assert count_labels == [int(tasks.get(v, 0)) for v in shown if v != charts.OTHER] + [
        len(items) - sum(int(tasks.get(v, 0)) for v in shown if v != charts.OTHER)]


def test_scatter_as_svg_draws_one_point_per_repo_with_likes_and_downloads(
    items: list[dict], frames: dict[str, pd.DataFrame]
) -> None:
    drawable = sum(1 for i in items if (i.get("downloads") or 0) > 0 and (i.get("likes") or 0) > 0)
    spec = charts.template(charts.likes_vs_downloads_chart(frames["scatter"]))
    root = parse(chart_files.to_svg(spec, frames["scatter"]))
    assert sorted(texts(root, "axis-title")) == ["Downloads (log)", "Likes (log)"]
    assert marks(root, "symbol") == drawable > 0


def test_created_months_are_inlined_as_dates(items: list[dict], frames: dict[str, pd.DataFrame]) -> None:
    months = {i["createdAt"][:7] for i in items if i.get("createdAt")}
    spec = charts.template(charts.created_monthly_chart(frames["created"]))
    exported = chart_files.export_spec(spec, frames["created"])
    assert len(exported["data"]["values"]) == len(months)
    assert {row["month"][:7] for row in exported["data"]["values"]} == months  # ISO text, read as dates by Vega
    assert marks(parse(chart_files.to_svg(spec, frames["created"])), "rect") == len(months)


def test_png_is_a_real_image_of_a_sensible_size(frames: dict[str, pd.DataFrame]) -> None:
    spec = charts.template(charts.downloads_tail_chart(frames["downloads"]))
    png = chart_files.to_png(spec, frames["downloads"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    image.load()
    width, height = image.size
    svg = parse(chart_files.to_svg(spec, frames["downloads"]))
    # the same layout as the SVG, at PNG_SCALE pixels per CSS pixel (a pixel of rounding either way)
    assert abs(width - float(svg.get("width")) * chart_files.PNG_SCALE) <= 2
    assert abs(height - float(svg.get("height")) * chart_files.PNG_SCALE) <= 2
    assert 600 < width < 2400 and 300 < height < 1200
    corner = image.convert("RGB").getpixel((1, 1))
    assert corner == (255, 255, 255)  # a white background: the grey labels read in any viewer
    assert len(set(image.convert("RGB").get_flattened_data())) > 10  # something is drawn on it


def test_an_altair_chart_keeps_its_own_data_and_the_input_is_not_changed(frames: dict[str, pd.DataFrame]) -> None:
    own = pd.DataFrame({"name": ["a", "b", "c"], "value": [3, 1, 2]})
    chart = alt.Chart(own).mark_bar().encode(x="name:N", y=alt.Y("value:Q", title="Value"))
    root = parse(chart_files.to_svg(chart, frames["task"]))  # the frame is not used: the chart has data
    assert marks(root, "rect") == 3
    assert "Value" in texts(root, "axis-title")
    spec = charts.template(charts.distribution_chart(frames["license"], "license"))
    before = json.dumps(spec, sort_keys=True)
    chart_files.export_spec(spec, frames["license"])
    assert json.dumps(spec, sort_keys=True) == before


def test_a_spec_without_data_needs_its_frame() -> None:
    spec = {"mark": "bar", "encoding": {"x": {"field": "a", "type": "nominal"}}}
    with pytest.raises(ValueError, match="no data"):
        chart_files.export_spec(spec)
    with pytest.raises(TypeError, match="Altair chart or a Vega-Lite dict"):
        chart_files.export_spec("not a chart")  # type: ignore[arg-type]


def test_csv_is_the_frame(frames: dict[str, pd.DataFrame]) -> None:
    back = pd.read_csv(io.BytesIO(chart_files.to_csv(frames["task"])), keep_default_na=False)
    assert back.to_dict("records") == frames["task"].to_dict("records")
