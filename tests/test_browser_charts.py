"""The Models page's "Charts" panel in a real browser (Debian's Chromium, Playwright), in the light and the dark
theme: over the live (fake) Hub's fixtures and over a catalog built from the real July-2024 snapshot.

Each chart must be drawn (an SVG with marks), the page must show no exception, and the screenshots
(artifacts/screenshots/charts-*.png) are for a person to look at: labels not cut, nothing overlapping, legible in
the dark theme. The export buttons give real files (PNG, SVG, CSV), and a box dragged on the log-log scatter
filters by the downloads and likes under the box's corners, read back from the axes' own tick positions.

The snapshot catalog is built once per module in a temporary folder (about 30 s); its tests are skipped, with the
reason, when ``../shared/hub-snapshot/`` is absent.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from PIL import Image

from lib.catalog import Catalog
from lib.query import describe_range
from tests.browser import SHOTS, serve_app, wait_idle

# tall enough for the whole panel: Streamlit scrolls inside the page, so a full-page screenshot is the window
pytestmark = [pytest.mark.browser, pytest.mark.viewport(height=2600)]

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_MODELS = ROOT.parent / "shared" / "hub-snapshot" / "models-2024-07-11.jsonl.gz"
needs_snapshot = pytest.mark.skipif(not SNAPSHOT_MODELS.exists(),
                                    reason=f"the real Hub snapshot is not at {SNAPSHOT_MODELS.parent}")  # fmt: skip
TITLES = ("By task", "By library", "By license", "Downloads (repos per decade, log scale)", "Created per month",
          "Likes against downloads (log-log)")  # fmt: skip
SCATTER = "Likes against downloads (log-log)"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's home: a catalog of the snapshot's models when the snapshot is here, else empty."""
    path = tmp_path_factory.mktemp("charts-browser-home")
    if SNAPSHOT_MODELS.exists():
        Catalog.open(path).load([SNAPSHOT_MODELS], kind="models")
    return path


@pytest.fixture(scope="module", params=["light", "dark"])
def theme(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def app_url(home: Path, theme: str) -> Iterator[str]:
    """The app in one theme (Streamlit reads ``STREAMLIT_THEME_BASE`` over .streamlit/config.toml)."""
    with serve_app(env={"HUB_EXPLORER_HOME": str(home), "STREAMLIT_THEME_BASE": theme}) as url:
        yield url


def open_charts(page, url: str, *, catalog: bool = False):
    """Open the Models page (by downloads), pick the source, open the Charts panel; returns the panel."""
    page.goto(f"{url}/models?sort=downloads")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    wait_idle(page)
    if catalog:
        page.get_by_test_id("stSidebar").get_by_test_id("stRadioGroup").get_by_text("Local catalog", exact=True).click()
        wait_idle(page)
    panel = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stExpander").filter(has_text="Charts")
    panel.get_by_text("Charts", exact=True).first.click()
    wait_idle(page)
    for title in TITLES:
        panel.locator("svg.marks").filter(has=page.get_by_text(title, exact=True)).first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    return panel


def drawn(page) -> dict[str, dict[str, float]]:
    """Per chart title: its SVG's size and how many data marks it drew (Vega names their groups ``…marks``)."""
    return page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')].map(svg => {
            const title = svg.querySelector('.role-title-text')?.textContent ?? '';
            const marks = [...svg.querySelectorAll('g.role-mark')]
                .filter(g => [...g.classList].some(c => c.endsWith('marks')))
                .reduce((n, g) => n + g.querySelectorAll(':scope > path, :scope > text').length, 0);
            const box = svg.getBoundingClientRect();
            return [title, {width: box.width, height: box.height, marks}];
        }))""")


def check_panel(page, panel, name: str) -> None:
    charts = drawn(page)
    assert set(TITLES) <= set(charts), charts.keys()
    for title in TITLES:
        assert charts[title]["width"] > 250 and charts[title]["height"] > 150, (title, charts[title])
        assert charts[title]["marks"] > 0, title
    assert page.get_by_test_id("stException").count() == 0
    assert panel.get_by_test_id("stDownloadButton").count() == 3 * len(TITLES)
    page.mouse.move(5, 5)  # no chart toolbar over the picture
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / f"charts-{name}.png"))


def test_charts_over_the_live_fake_hub(page, app_url: str, theme: str) -> None:
    panel = open_charts(page, app_url)
    panel.get_by_text(re.compile(r"Over the \d+ fetched results from the live Hub")).wait_for()
    check_panel(page, panel, f"fixtures-{theme}")
    # a click on the first bar of "By task" filters by its task, and the filter stays once the charts redraw
    svg = panel.locator("svg.marks").filter(has=page.get_by_text("By task", exact=True)).first
    first = svg.locator("g.mark-rect.role-mark path").first
    label = svg.locator(".role-axis-label text").filter(has_not_text=re.compile(r"^\d+$")).first.text_content()
    first.click()
    page.wait_for_url(re.compile(r"[?&]task="), timeout=30_000)
    wait_idle(page)
    page.wait_for_timeout(1_000)
    assert _param(page.url, "task") == label
    assert drawn(page)["By task"]["marks"] > 0 and page.get_by_test_id("stException").count() == 0


@needs_snapshot
def test_charts_over_the_snapshot_catalog(page, app_url: str, theme: str) -> None:
    panel = open_charts(page, app_url, catalog=True)
    panel.get_by_text(re.compile(r"Over all 760,000 matches in the local catalog")).wait_for()
    check_panel(page, panel, f"snapshot-{theme}")


def test_export_buttons_download_real_files(page, app_url: str, theme: str) -> None:
    panel = open_charts(page, app_url)
    buttons = panel.get_by_test_id("stDownloadButton")
    files = {}
    for label in ("CSV", "PNG", "SVG"):  # the first chart's row of buttons (By task)
        with page.expect_download(timeout=60_000) as info:
            buttons.filter(has_text=label).first.click()
        files[label] = (info.value.suggested_filename, Path(info.value.path()).read_bytes())
    assert [name for name, _ in files.values()] == ["models-task.csv", "models-task.png", "models-task.svg"]
    frame = pd.read_csv(io.BytesIO(files["CSV"][1]), keep_default_na=False)
    assert list(frame.columns) == ["task", "count"] and frame["count"].sum() > 0
    image = Image.open(io.BytesIO(files["PNG"][1]))
    assert image.format == "PNG" and image.size[0] > 600 and image.size[1] > 300
    svg = ET.fromstring(files["SVG"][1])
    words = {"".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"By task", "Repos"} <= words and set(frame["task"]) <= words  # every bar's label is in the picture
    assert page.get_by_test_id("stException").count() == 0


def _number(label: str) -> float | None:
    """An axis label ("200k", "1M", "3B", "10") as a number; None for a hidden ('') label."""
    match = re.fullmatch(r"([\d.]+)([kMB]?)", label.strip())
    if not match:
        return None
    return float(match.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "B": 1e9}[match.group(2)]


def _axis(page, title: str, horizontal: bool) -> tuple[float, float, float, float]:
    """(a, b, start, end): log10(value) = a + b * screen position, from where an axis's labels are centred (the
    theme draws no tick marks), and the span of the labels (about the plot's extent along the axis)."""
    ticks = page.evaluate("""([title, horizontal]) => {
        const svg = [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')]
            .find(s => s.querySelector('.role-title-text')?.textContent === title);
        const axis = [...svg.querySelectorAll('g.role-axis')].find(g =>
            g.querySelector('.role-axis-title')?.textContent.startsWith(horizontal ? 'Downloads' : 'Likes'));
        return [...axis.querySelectorAll('.role-axis-label text')].map(t => {
            const r = t.getBoundingClientRect();
            return [horizontal ? r.x + r.width / 2 : r.y + r.height / 2, t.textContent];
        });
    }""", [title, horizontal])  # fmt: skip
    span = (min(at for at, _ in ticks), max(at for at, _ in ticks))
    ticks = sorted(ticks)[1:-1]  # the end labels may sit flush with the plot's edge, off their tick
    known = [(at, math.log10(v)) for at, label in ticks if (v := _number(label))]
    assert len(known) >= 2, ticks
    (p0, v0), (p1, v1) = known[0], known[-1]
    b = (v1 - v0) / (p1 - p0)
    return v0 - b * p0, b, span[0], span[1]


def _param(url: str, name: str) -> str | None:
    values = parse_qs(urlparse(url).query).get(name)
    return values[0] if values else None


@needs_snapshot
def test_a_box_on_the_scatter_filters_by_the_counts_under_it(page, app_url: str, theme: str) -> None:
    panel = open_charts(page, app_url, catalog=True)
    svg = panel.locator("svg.marks").filter(has=page.get_by_text(SCATTER, exact=True)).first
    svg.scroll_into_view_if_needed()
    ax, bx, left, right = _axis(page, SCATTER, horizontal=True)
    ay, by, top, bottom = _axis(page, SCATTER, horizontal=False)
    x1, x2 = left + (right - left) * 0.15, left + (right - left) * 0.55
    y1, y2 = top + (bottom - top) * 0.15, top + (bottom - top) * 0.8  # y1 is nearer the top: more likes
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=5)
    page.mouse.move(x2, y2, steps=5)
    page.mouse.up()
    page.wait_for_url(re.compile(r"[?&]downloads=\d+-\d+"), timeout=30_000)
    wait_idle(page)
    downloads = [int(v) for v in _param(page.url, "downloads").split("-")]
    likes = [int(v) for v in _param(page.url, "likes").split("-")]
    # the URL holds the counts under the box's corners (log scales: 10 ** (a + b * pixel)), to a pixel or two
    for got, want in ((downloads[0], ax + bx * x1), (downloads[1], ax + bx * x2),
                      (likes[0], ay + by * y2), (likes[1], ay + by * y1)):  # fmt: skip
        assert abs(math.log10(got) - want) < 0.03, (got, 10**want)
    assert 10**5 < downloads[0] < downloads[1] and 1 <= likes[0] < likes[1]
    words = f"{describe_range('downloads', *downloads)} and {describe_range('likes', *likes)}"
    page.get_by_text(re.compile(r"[\d,]+ models where " + re.escape(words))).wait_for(timeout=30_000)
    # the panel stays open through the rerun, its charts now over the matches only
    assert drawn(page)[SCATTER]["marks"] > 0
    page.mouse.move(5, 5)  # no chart toolbar over the picture
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"charts-scatter-box-{theme}.png"))
    # its chip removes the downloads range and keeps the likes range
    page.get_by_role("button", name=re.compile(r"^downloads: ")).click()
    page.wait_for_url(lambda u: _param(u, "downloads") is None, timeout=30_000)
    wait_idle(page)
    assert _param(page.url, "likes") == f"{likes[0]}-{likes[1]}"
    assert page.get_by_test_id("stException").count() == 0



def _bars(page, title: str) -> list[tuple[str, int]]:
    """A distribution chart's bars from top to bottom: (the axis label, the count written beside the bar)."""
    found = page.evaluate("""(title) => {
        const svg = [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')]
            .find(s => s.querySelector('.role-title-text')?.textContent === title);
        const centre = (t) => { const r = t.getBoundingClientRect(); return r.y + r.height / 2; };
        const labels = [...svg.querySelectorAll('g.role-axis .role-axis-label text')]
            .filter(t => !/^[\\d.]+[kMB]?$/.test(t.textContent)).map(t => [centre(t), t.textContent]);
        const counts = [...svg.querySelectorAll('g.role-mark text')].map(t => [centre(t), t.textContent]);
        return [labels, counts];
    }""", title)  # fmt: skip
    labels, counts = (sorted(part) for part in found)
    assert len(labels) == len(counts), found
    for (y1, _), (y2, _) in zip(labels, counts, strict=True):
        assert abs(y1 - y2) < 6, found  # each count beside its own bar
    return [(label, int(count.replace(",", ""))) for (_, label), (_, count) in zip(labels, counts, strict=True)]


def test_a_new_search_redraws_the_bars_in_its_own_order(page, app_url: str, theme: str) -> None:
    """The charts' specs stay the same from search to search, so Streamlit swaps the rows of the drawn charts
    instead of building them again (their SVG stays): the bars must still follow the new result, most frequent
    first, ties by name, "(other)" last, with the chart's height following the number of bars. "distil" ties
    text-classification with text-generation, which led the charts before: a chart that kept the categories it
    had seen first would draw text-generation above."""
    panel = open_charts(page, app_url)
    before = _bars(page, "By task")
    assert before[0][0] == "text-generation", before
    page.evaluate("""() => document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')
                                  .forEach(svg => svg.setAttribute('data-before', 'yes'))""")  # fmt: skip
    box = page.get_by_role("textbox", name="Search")
    box.fill("distil")
    box.press("Enter")
    page.get_by_text(re.compile(r"matching 'distil'")).first.wait_for(timeout=30_000)
    wait_idle(page)
    page.wait_for_timeout(500)
    after = _bars(page, "By task")
    named = [(label, count) for label, count in after if label != "(other)"]
    assert named == sorted(named, key=lambda bar: (-bar[1], bar[0])) and len(named) >= 2, after
    assert {"text-classification", "text-generation"} <= {label for label, _ in named}, after
    assert "(other)" not in [label for label, _ in after[:-1]], after
    svgs = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')]
        .map(svg => [svg.querySelector('.role-title-text')?.textContent, svg.getAttribute('data-before'),
                     svg.getBoundingClientRect().height])""")  # fmt: skip
    assert len(svgs) == len(TITLES) and all(kept == "yes" for _, kept, _ in svgs), svgs  # rows swapped, not redrawn
    height = next(h for title, _, h in svgs if title == "By task")
    assert len(after) * 22 < height < len(after) * 22 + 160, (height, after)
    assert panel.get_by_test_id("stException").count() == 0
