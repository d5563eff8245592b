"""Charts over a result set: small aggregated DataFrames in, Altair charts out (no Streamlit here).

Two sources build the same frames (`FRAME_NAMES`):

* the live Hub: `aggregate_results(records)` over the records that were fetched;
* the local catalog: `lib.catalog.aggregates` over every match, counted from the index (never a row per repo).

Frames:

* one per distribution field (`DISTRIBUTIONS[kind]`): columns ``[field, "count"]``, count descending, the top
  values then one `OTHER` row (``"(other)"``: the values past the top), ``"(none)"`` for repos without a value;
* ``downloads``: columns ``["bin", "lo", "count"]``, one row per decade of downloads (``"0"``, ``"1–10"``,
  ``"10–100"``...), in order, empty decades kept (they are drawn only when not empty);
* ``created``: columns ``["month", "count"]``, first day of each month (UTC, naive), ascending;
* ``scatter``: columns ``["id", "downloads", "likes"]``, at most `SCATTER_LIMIT` repos (the most downloaded).

Charts read on a light and a dark theme: mid-tone mark colours, axis colours left to Streamlit's theme, label
fonts of 12 px and label limits wide enough for repo and license names. Selections are named (`PICK`, `BRUSH`,
`REGION`) so a page can read them from `st.altair_chart(..., on_select=...)`.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import altair as alt
import pandas as pd

from lib.query import NONE_VALUE, Kind
from lib.records import DatasetRecord, ModelRecord, RepoRecord, SpaceRecord
from lib.vocab import STAGE_WORDS

#: The fields counted per kind, in the order they are drawn.
DISTRIBUTIONS: dict[Kind, tuple[str, ...]] = {
    "models": ("task", "library", "license"),
    "datasets": ("task", "license"),
    "spaces": ("sdk", "hardware", "stage", "license"),
}
TOP_N = 12
OTHER = "(other)"  # in parentheses like NONE_VALUE: "other" is a real license id on the Hub
SCATTER_LIMIT = 500
FRAME_NAMES = ("downloads", "created", "scatter")
DISTRIBUTIONS_FIELDS = frozenset(f for fields in DISTRIBUTIONS.values() for f in fields)
ORDER = "order"  # a distribution's drawn frame: the position of each bar (see `drawn`)

PICK = "pick"  # point selection on a distribution's bars
BRUSH = "brush"  # interval selection on the months of creation
REGION = "region"  # interval selection on the likes/downloads scatter

# Mid-tone colours: enough contrast on white and on Streamlit's dark background.
BAR_COLOR = "#4e8fd6"
OTHER_COLOR = "#8a94a6"
ACCENT_COLOR = "#f08c2e"
LABEL_COLOR = "#8a94a6"
FONT_SIZE = 12
LABEL_LIMIT = 320
BAR_HEIGHT = 22
CHROME_HEIGHT = 110  # a distribution's title, x axis and its title (measured in Chromium: 108 px): Streamlit fits
# the whole chart, not the plot, in `height`, so with less a chart of few bars squeezed them under BAR_HEIGHT

_TITLES = {"task": "Task", "library": "Library", "license": "License", "sdk": "SDK", "hardware": "Hardware",
           "stage": "Status"}
# Axis labels of counts: SI prefixes, but "B" for billions (not "G"), and a plain "0" (not "0k" or "0.0").
COUNT_LABELS = "datum.value == 0 ? '0' : replace(datum.label, 'G', 'B')"


# --- frames from fetched records ------------------------------------------------------------------------------
def record_values(record: RepoRecord, field: str) -> tuple[str, ...]:
    """The values a record carries for a distribution field (several for licenses and dataset tasks)."""
    if field == "license":
        return record.licenses
    if field == "task":
        if isinstance(record, ModelRecord):
            return (record.pipeline_tag,) if record.pipeline_tag else ()
        if isinstance(record, DatasetRecord):
            return record.task_categories
        return ()
    if field == "library":
        return (record.library_name,) if isinstance(record, ModelRecord) and record.library_name else ()
    if field in ("sdk", "hardware", "stage"):
        value = getattr(record, field, None) if isinstance(record, SpaceRecord) else None
        return (value,) if value else ()
    raise ValueError(f"No distribution by {field!r}; choose one of {', '.join(sorted(DISTRIBUTIONS_FIELDS))}.")


def words_expr(field: str, words: dict[str, str], expr: str = "datum.value") -> str:
    """A Vega expression that shows a coded value (`expr`) in words (a Space's stage: "RUNTIME_ERROR" ->
    "Runtime error"); a value `words` does not hold, ``(other)`` and ``(none)`` among them, is shown as it is. The
    chart's data keep the codes, so that a bar's selection is the filter's value."""
    codes, texts = json.dumps(list(words)), json.dumps(list(words.values()))
    return f"indexof({codes}, {expr}) >= 0 ? {texts}[indexof({codes}, {expr})] : {expr}"


#: Fields whose values a chart shows in words (see `words_expr`).
WORDS: dict[str, dict[str, str]] = {"stage": STAGE_WORDS}


def distribution_frame(counts: Iterable[tuple[str, int]], field: str, *, top: int = TOP_N,
                       total: int | None = None) -> pd.DataFrame:  # fmt: skip
    """``[field, "count"]``: the `top` values by count descending (then value ascending), then `OTHER`
    holding the rest. `counts` may hold every value (then `total` is their sum) or only the top ones with
    `total` the count of every value."""
    pairs = sorted(((str(v), int(c)) for v, c in counts if c > 0), key=lambda p: (-p[1], p[0]))
    shown = pairs[:top]
    whole = sum(c for _, c in pairs) if total is None else int(total)
    rest = whole - sum(c for _, c in shown)
    rows = shown + ([(OTHER, rest)] if rest > 0 else [])
    return pd.DataFrame(rows, columns=[field, "count"]).astype({field: object, "count": "int64"})


def decade(downloads: int) -> int:
    """0 for no downloads, k for 10**(k-1) <= downloads < 10**k."""
    return 0 if downloads <= 0 else len(str(int(downloads)))


def _short(n: int) -> str:
    for suffix, scale in (("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= scale:
            return f"{n // scale}{suffix}"
    return str(n)


def decade_label(k: int) -> str:
    return "0" if k == 0 else f"{_short(10 ** (k - 1))}–{_short(10**k)}"


def downloads_frame(decade_counts: Sequence[int]) -> pd.DataFrame:
    """``["bin", "lo", "count"]`` from counts per decade (`decade`), position 0 = no downloads."""
    counts = list(decade_counts)
    while counts and counts[-1] == 0:
        counts.pop()
    return pd.DataFrame({
        "bin": [decade_label(k) for k in range(len(counts))],
        "lo": [0 if k == 0 else 10 ** (k - 1) for k in range(len(counts))],
        "count": counts,
    }).astype({"bin": object, "lo": "int64", "count": "int64"})  # fmt: skip


def created_frame(month_counts: Iterable[tuple[datetime | pd.Timestamp, int]]) -> pd.DataFrame:
    """``["month", "count"]`` ascending, months as naive UTC timestamps of their first day."""
    frame = pd.DataFrame(list(month_counts), columns=["month", "count"])
    frame["month"] = pd.to_datetime(frame["month"]).astype("datetime64[ns]")
    return frame.astype({"count": "int64"}).sort_values("month", ignore_index=True)


def scatter_frame(rows: Iterable[tuple[str, int, int]]) -> pd.DataFrame:
    """``["id", "downloads", "likes"]``, most downloaded first (ties by id), at most `SCATTER_LIMIT`."""
    frame = pd.DataFrame(list(rows), columns=["id", "downloads", "likes"]).astype(
        {"id": object, "downloads": "int64", "likes": "int64"})
    frame = frame.sort_values(["downloads", "id"], ascending=[False, True], ignore_index=True)
    return frame.head(SCATTER_LIMIT)


def _month(when: datetime) -> datetime:
    when = when.astimezone(UTC) if when.tzinfo else when
    return datetime(when.year, when.month, 1)


def aggregate_results(records: Sequence[RepoRecord], kind: Kind | None = None) -> dict[str, pd.DataFrame]:
    """Every chart's frame over fetched records (the live Hub case). Frames whose numbers no record has
    (downloads of Spaces) are left out."""
    kind = kind or (records[0].kind if records else "models")
    out: dict[str, pd.DataFrame] = {}
    for field in DISTRIBUTIONS[kind]:
        tally: Counter[str] = Counter()
        for rec in records:
            tally.update(record_values(rec, field) or (NONE_VALUE,))
        out[field] = distribution_frame(tally.items(), field)
    known = [r for r in records if r.downloads is not None]
    if known:
        per = Counter(decade(r.downloads or 0) for r in known)
        out["downloads"] = downloads_frame([per.get(k, 0) for k in range(max(per) + 1)])
    months = Counter(_month(r.created_at) for r in records if r.created_at is not None)
    out["created"] = created_frame(sorted(months.items()))
    if known:
        out["scatter"] = scatter_frame((r.id, r.downloads or 0, r.likes or 0) for r in known)
    return out


# --- charts --------------------------------------------------------------------------------------------------
def _finish(chart: alt.TopLevelMixin, title: str) -> alt.TopLevelMixin:
    return (
        chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=FONT_SIZE + 2))
        .configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=LABEL_LIMIT)
        .configure_view(strokeWidth=0)
    )


def distribution_chart(frame: pd.DataFrame, field: str, title: str | None = None) -> alt.TopLevelMixin:
    """Horizontal bars of ``[field, "count"]`` in the frame's order (`OTHER` greyed), with count labels.
    Clicking a bar selects its value (point selection `PICK` on `field`). The spec does not depend on the
    frame at all (see `drawn`): the bars follow its `ORDER` column and the height follows the number of bars
    (`BAR_HEIGHT` each), so a page builds it once and draws every frame with it."""
    frame = frame if ORDER in frame.columns else drawn(field, frame)
    pick = alt.selection_point(name=PICK, fields=[field])
    words = {"labelExpr": words_expr(field, WORDS[field])} if field in WORDS else {}
    y = alt.Y(f"{field}:N", sort=alt.EncodingSortField(ORDER, op="min"), title=None,
              axis=alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False, **words))  # fmt: skip
    x = alt.X("count:Q", title="Repos", axis=alt.Axis(format="~s", labelExpr=COUNT_LABELS))
    base = alt.Chart(frame).encode(y=y, x=x)
    shown = field
    if field in WORDS:  # the tooltip in words too
        shown = "words"
        base = base.transform_calculate(words=words_expr(field, WORDS[field], f"datum[{json.dumps(field)}]"))
    bars = base.mark_bar(cornerRadiusEnd=2).encode(
        color=alt.condition(f"datum['{field}'] == '{OTHER}'", alt.value(OTHER_COLOR), alt.value(BAR_COLOR)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.4)),
        tooltip=[alt.Tooltip(f"{shown}:N", title=_TITLES.get(field, field)), alt.Tooltip("count:Q", format=",")],
    ).add_params(pick)
    labels = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE, color=LABEL_COLOR).encode(
        text=alt.Text("count:Q", format=","))
    # room on the right for the longest bar's label, which would otherwise be cut at the chart's edge
    chart = alt.layer(bars, labels).properties(height=alt.Step(BAR_HEIGHT),
                                               padding={"left": 5, "top": 5, "bottom": 5, "right": 48})
    label = _TITLES.get(field, field)
    return _finish(chart, title or f"By {label if label.isupper() else label.lower()}")  # "By SDK", "By task"


def distribution_height(bars: int) -> int:
    """About the height of a distribution chart of `bars` bars, title and axis included."""
    return max(bars, 1) * BAR_HEIGHT + CHROME_HEIGHT


def downloads_tail_chart(frame: pd.DataFrame,
                         title: str = "Downloads (repos per decade, log scale)") -> alt.TopLevelMixin:
    """Repos per decade of downloads, counts on a log scale: the Hub's long tail. Empty decades are not drawn."""
    chart = alt.Chart(frame).transform_filter("datum.count > 0").mark_bar(color=BAR_COLOR).encode(
        # decades in the order of their lower bound, from the data: the spec stays the same for every frame
        x=alt.X("bin:N", sort=alt.EncodingSortField("lo", op="min"), title="Downloads (last 30 days)",
                axis=alt.Axis(labelAngle=-35, labelOverlap=False)),
        # not stacked: a stack starts at 0, which a log scale cannot place (the bars would vanish)
        y=alt.Y("count:Q", title="Repos (log)", scale=alt.Scale(type="log", domainMin=0.5), stack=None,
                  axis=alt.Axis(format="~s", labelExpr=f"datum.value < 1 ? '' : {COUNT_LABELS}")),
        tooltip=[alt.Tooltip("bin:N", title="Downloads"), alt.Tooltip("count:Q", title="Repos", format=",")],
    ).properties(height=220)
    return _finish(chart, title)


def created_monthly_chart(frame: pd.DataFrame, title: str = "Created per month") -> alt.TopLevelMixin:
    """Repos created per month; dragging across months selects a date range (interval selection `BRUSH`)."""
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
    chart = alt.Chart(frame).mark_bar(color=BAR_COLOR).encode(
        # labels that would come closer than 8 px are dropped (every other month), not drawn touching
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0, labelOverlap=True,
                                                     labelSeparation=8)),
        y=alt.Y("count:Q", title="Repos", axis=alt.Axis(format="~s", labelExpr=COUNT_LABELS)),
        opacity=alt.condition(brush, alt.value(1.0), alt.value(0.4)),
        tooltip=[alt.Tooltip("month:T", title="Month", format="%Y-%m"), alt.Tooltip("count:Q", format=",")],
    ).add_params(brush).properties(height=220)
    return _finish(chart, title)


def likes_vs_downloads_chart(frame: pd.DataFrame,
                             title: str = "Likes against downloads (log-log)") -> alt.TopLevelMixin:
    """Each repo a point, both axes logarithmic (repos with 0 likes or downloads cannot be placed and are not
    drawn); the tooltip names the repo. Dragging a box selects a region (interval selection `REGION`)."""
    region = alt.selection_interval(name=REGION, encodings=["x", "y"])
    chart = alt.Chart(frame).transform_filter("datum.downloads > 0 && datum.likes > 0").mark_circle(
        size=40, color=BAR_COLOR).encode(
        x=alt.X("downloads:Q", title="Downloads (log)", scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~s", labelExpr=COUNT_LABELS)),
        y=alt.Y("likes:Q", title="Likes (log)", scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~s", labelExpr=COUNT_LABELS)),
        color=alt.condition(region, alt.value(ACCENT_COLOR), alt.value(BAR_COLOR), empty=False),
        tooltip=[alt.Tooltip("id:N", title="Repo"), alt.Tooltip("downloads:Q", format=","),
                 alt.Tooltip("likes:Q", format=",")],
    ).add_params(region).properties(height=300)
    return _finish(chart, title)


def template(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """A chart's Vega-Lite spec without its data (``data``/``datasets`` removed): the same for every frame of
    the same columns, so it can be built once and drawn with each new frame (``st.vega_lite_chart(frame,
    spec)``, the frame from `drawn`) instead of converting and validating the whole chart on every run."""
    spec = chart.to_dict()
    spec.pop("datasets", None)
    spec.pop("data", None)
    for layer in spec.get("layer", []):
        layer.pop("data", None)
    return spec


def drawn(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame a chart draws: a distribution's gets an `ORDER` column (its rows' positions), which its bars
    follow. Everything else comes as it is.

    The order must come with the data, not in the spec: a spec that changes with every frame (an explicit domain,
    a height per number of bars) makes Streamlit build the whole Vega view again on every rerun, where a spec that
    stays the same lets it swap the rows inside the drawn view (bench/bench_browser.py: about 50 ms of the
    browser's time per search with the charts open). With `sort: null` Vega would keep the categories it had seen
    first in such a swap, and draw a new result's bars in the old result's order."""
    if name in DISTRIBUTIONS_FIELDS:
        return frame.assign(**{ORDER: range(len(frame))})
    return frame


def in_region(frame: pd.DataFrame, region: dict[str, Sequence[float]]) -> pd.DataFrame:
    """The scatter's rows inside a selected region (``{"downloads": [lo, hi], "likes": [lo, hi]}``)."""
    keep = pd.Series(True, index=frame.index)
    for column in ("downloads", "likes"):
        bounds = region.get(column)
        if bounds and len(bounds) == 2:
            lo, hi = sorted(float(b) for b in bounds)
            keep &= frame[column].between(lo, hi)
    return frame[keep]


SIGNIFICANT = 3  # digits kept of a region's bounds


def round_significant(n: int, *, up: bool, digits: int = SIGNIFICANT) -> int:
    """`n` rounded down (or up) to `digits` significant digits: 439493 -> 439000 (down), 16272213 -> 16300000 (up).
    Numbers of at most `digits` digits are kept as they are."""
    step = 10 ** max(len(str(abs(int(n)))) - digits, 0)
    return -(-n // step) * step if up else n // step * step


def region_ranges(region: dict[str, Sequence[object]] | None) -> dict[str, int | None] | None:
    """The inclusive count ranges (``downloads_min`` ... ``likes_max``, `lib.query.SearchQuery` fields) that hold
    the repos inside a scatter region (``{"downloads": [lo, hi], "likes": [lo, hi]}``); None when there is no
    region or no whole count fits inside it.

    Vega-Lite reports an interval on a log scale in data units (it inverts the log scale), as fractional values:
    the repos inside are those with ``lo <= count <= hi``, i.e. ``ceil(lo) .. floor(hi)`` in whole counts. These
    are then widened to `SIGNIFICANT` digits (down for the low end, up for the high end), so the URL and the
    chips read "439K–16.3M", not "439493–16272213": on these axes (several decades over a few hundred pixels)
    that is less than a pixel of the box. An axis the region does not constrain stays open. Repos with 0 likes or
    downloads are not drawn, so a region cannot hold them: a lower edge under 1 becomes 1.
    """
    if not region:
        return None
    out: dict[str, int | None] = {}
    for column in ("downloads", "likes"):
        bounds = region.get(column)
        lo_hi: tuple[int, int] | None = None
        if bounds is not None and len(bounds) == 2:
            try:
                lo, hi = sorted(float(b) for b in bounds)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return None
            if not (math.isfinite(lo) and math.isfinite(hi)):
                return None
            lo_hi = (max(math.ceil(lo), 1), math.floor(hi))
            if lo_hi[0] > lo_hi[1]:
                return None  # no whole count inside (a region thinner than one like, say)
            lo_hi = (round_significant(lo_hi[0], up=False), round_significant(lo_hi[1], up=True))
        out[f"{column}_min"], out[f"{column}_max"] = lo_hi if lo_hi else (None, None)
    return out if any(v is not None for v in out.values()) else None


def brush_days(brush: dict[str, Sequence[object]]) -> tuple[datetime, datetime] | None:
    """The (first, last) instants of a month brush (``{"month": [start, end]}``, epoch ms or ISO text)."""
    bounds = brush.get("month") if brush else None
    if not bounds or len(bounds) != 2:
        return None
    ends = []
    for b in bounds:
        if isinstance(b, (int, float)) and not math.isnan(b):
            ends.append(datetime.fromtimestamp(b / 1000, UTC))
        else:
            try:
                ends.append(pd.Timestamp(str(b)).to_pydatetime())
            except ValueError:
                return None
    lo, hi = sorted(ends)
    return lo, hi
