"""Altair charts of the Insights page (`lib.insights` frames in, Vega-Lite specs out; no Streamlit here).

The conventions of `lib.charts`: mid-tone marks that read on a light and a dark background, axis and legend
colours left to Streamlit's theme, 12 px labels with limits wide enough for author and license names, ``other``
and ``(none)`` in grey. `chart_specs` turns a whole `Insights` into ``{name: (spec, frame)}``: specs without
data (as `lib.charts.template` makes them), drawn with ``st.vega_lite_chart(frame, spec)``. They are built once
per catalog version, beside the figures, on frames without rows, and finished as dicts (see `_finish`): Altair's
copies and schema checks would cost about a second for the page's 18 charts.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import pandas as pd

from lib.charts import BAR_COLOR, BAR_HEIGHT, CHROME_HEIGHT, FONT_SIZE, LABEL_COLOR, LABEL_LIMIT, OTHER
from lib.insights import Insights, KindInsights
from lib.query import NONE_VALUE

OTHER_COLOR = "#8a94a6"
NONE_COLOR = "#c3c9d4"
#: Series colours (Tableau 10 without its grey): distinct, and mid-tone enough for both themes.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f")
DIAGONAL_COLOR = "#8a94a6"
GROWTH_HEIGHT = 470  # the whole chart: title, plot (about 280 px), axis and a legend of up to 5 rows
LORENZ_HEIGHT = 330
SUBTITLE_HEIGHT = 20
LEGEND_LIMIT = 220
FIELD_TITLES = {"task": "Task", "library": "Library", "sdk": "SDK", "license": "License"}


Spec = dict[str, Any]
Specs = dict[str, tuple[Spec, pd.DataFrame]]
CONFIG: Spec = {
    "view": {"continuousWidth": 300, "continuousHeight": 300, "strokeWidth": 0},
    "axis": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelLimit": LABEL_LIMIT},
    "legend": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelLimit": LEGEND_LIMIT},
}


def _finish(chart: alt.TopLevelMixin, title: str, subtitle: str | None, *, height: int,
            padding: dict[str, int] | None = None, validate: bool = False) -> Spec:  # fmt: skip
    """The chart's spec without data, with its title, height and the page's configuration added to the dict:
    each Altair `properties`/`configure_*` call deep-copies the whole chart (tens of ms a chart), and its JSON
    schema check costs as much again, so the page builds unchecked specs; `validate` checks the finished spec."""
    spec = chart.to_dict(validate=False)
    title_spec: Spec = {"text": title, "anchor": "start", "fontSize": FONT_SIZE + 2}
    if subtitle:
        title_spec.update(subtitle=subtitle, subtitleFontSize=FONT_SIZE, subtitleColor=LABEL_COLOR)
    spec.update(title=title_spec, height=height, config=CONFIG)
    if padding:
        spec["padding"] = padding
    if validate:  # with its data: a top-level spec without any is not valid Vega-Lite
        (alt.LayerChart if "layer" in spec else alt.Chart).from_dict(spec, validate=True)
    spec.pop("datasets", None)
    spec.pop("data", None)
    for layer in spec.get("layer", []):
        layer.pop("data", None)
    return json.loads(json.dumps(spec))  # a fresh copy that shares nothing with CONFIG


def _data(frame: pd.DataFrame, validate: bool) -> pd.DataFrame:
    """What a chart is built on: no rows (the page sends the data beside the spec, and Altair would copy and
    convert it for nothing), or the frame itself when the finished spec is checked."""
    return frame if validate else frame.iloc[:0]


def bars_height(rows: int, *, subtitle: bool = False) -> int:
    """A horizontal bar chart's height for `rows` bars, title (and subtitle) and axis included: Streamlit fits the
    whole chart, not its plot, in the height."""
    return max(rows, 1) * BAR_HEIGHT + CHROME_HEIGHT + (SUBTITLE_HEIGHT if subtitle else 0)


def ranked_bars(frame: pd.DataFrame, label: str, value: str, title: str, *, value_title: str,
                subtitle: str | None = None, validate: bool = False) -> Spec:  # fmt: skip
    """Horizontal bars of `value` per `label` in the frame's order (``other`` and ``(none)`` greyed), with the
    value written at the end of each bar."""
    rows, frame = len(frame), _data(frame, validate)
    y = alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False))
    base = alt.Chart(frame).encode(
        y=y, x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format="~s", tickMinStep=1))
    )
    grey = f"datum['{label}'] == '{OTHER}' || datum['{label}'] == '{NONE_VALUE}'"
    bars = base.mark_bar(cornerRadiusEnd=2).encode(
        color=alt.condition(grey, alt.value(OTHER_COLOR), alt.value(BAR_COLOR)),
        tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", format=",")],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE, color=LABEL_COLOR).encode(
        text=alt.Text(f"{value}:Q", format=".3~s")
    )
    return _finish(alt.layer(bars, labels), title, subtitle, height=bars_height(rows, subtitle=bool(subtitle)),
                   padding={"left": 5, "top": 5, "bottom": 5, "right": 40}, validate=validate)  # fmt: skip


def series_domain(frame: pd.DataFrame, field: str) -> list[str]:
    """The series of a `created_by` frame in drawing order: by size, then ``other`` and ``(none)``."""
    totals = frame.groupby(field)["count"].sum()
    named = sorted((n for n in totals.index if n not in (OTHER, NONE_VALUE)), key=lambda n: (-int(totals[n]), n))
    return named + [n for n in (OTHER, NONE_VALUE) if n in totals.index]


def created_stack(frame: pd.DataFrame, field: str, title: str, *, subtitle: str | None = None,
                  validate: bool = False) -> Spec:  # fmt: skip
    """Repos created per month, stacked by `field` (``["month", field, "count"]``), series in order of size
    with ``other`` and ``(none)`` last, in grey (`series_domain`)."""
    domain = series_domain(frame, field)
    frame = _data(frame, validate)
    named = [n for n in domain if n not in (OTHER, NONE_VALUE)]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(named))]
    colours += [OTHER_COLOR if n == OTHER else NONE_COLOR for n in domain[len(named) :]]
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%Y", labelAngle=0, tickCount="year")),
            y=alt.Y("count:Q", title="Repos created", axis=alt.Axis(format="~s", tickMinStep=1)),
            color=alt.Color(
                f"{field}:N",
                title=FIELD_TITLES.get(field, field),
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(orient="bottom", columns=2, symbolType="square"),
            ),
            order=alt.Order("series_order:Q"),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month", format="%Y-%m"),
                alt.Tooltip(f"{field}:N", title=FIELD_TITLES.get(field, field)),
                alt.Tooltip("count:Q", title="Repos", format=","),
            ],
        )
        .transform_calculate(series_order=f"indexof({json.dumps(domain)}, datum[{json.dumps(field)}])")
    )
    return _finish(chart, title, subtitle, height=GROWTH_HEIGHT, validate=validate)


def concentration_chart(frame: pd.DataFrame, title: str, *, subtitle: str | None = None,
                        validate: bool = False) -> Spec:  # fmt: skip
    """The share of all downloads held by the top 0.1%, 1%, 10% of repos (``["top", "repos", "downloads_share"]``)."""
    rows, frame = len(frame), _data(frame, validate)
    base = (
        alt.Chart(frame)
        .transform_calculate(group="'Top ' + format(datum.top, '~%')")
        .encode(
            y=alt.Y("group:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            x=alt.X(
                "downloads_share:Q",
                title="Share of all downloads",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
        )
    )
    bars = base.mark_bar(color=BAR_COLOR, cornerRadiusEnd=2).encode(
        tooltip=[
            alt.Tooltip("group:N", title="Repos"),
            alt.Tooltip("repos:Q", title="How many", format=","),
            alt.Tooltip("downloads_share:Q", title="Share of downloads", format=".1%"),
        ]
    )
    labels = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE, color=LABEL_COLOR).encode(
        text=alt.Text("downloads_share:Q", format=".1%")
    )
    # thicker bars than a ranking: three bars only, each read with its label
    return _finish(alt.layer(bars, labels), title, subtitle, height=bars_height(2 * rows, subtitle=bool(subtitle)),
                   padding={"left": 5, "top": 5, "bottom": 5, "right": 48}, validate=validate)  # fmt: skip


def lorenz_chart(frame: pd.DataFrame, title: str, *, subtitle: str | None = None, validate: bool = False) -> Spec:
    """The Lorenz curve of downloads (``["repos_share", "downloads_share"]``) with the line of equality."""
    frame = _data(frame, validate)
    x = alt.X("repos_share:Q", title="Share of repos, least downloaded first", axis=alt.Axis(format="%"))
    curve = (
        alt.Chart(frame)
        .mark_line(color=BAR_COLOR, strokeWidth=2.5)
        .encode(
            x=x,
            y=alt.Y("downloads_share:Q", title="Share of all downloads", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("repos_share:Q", title="Repos", format=".0%"),
                alt.Tooltip("downloads_share:Q", title="Downloads", format=".2%"),
            ],
        )
    )
    equal = alt.Chart(frame).mark_line(color=DIAGONAL_COLOR, strokeDash=[4, 4]).encode(x=x, y=alt.Y("repos_share:Q"))
    return _finish(alt.layer(equal, curve), title, subtitle, height=LORENZ_HEIGHT, validate=validate)


def _plan(ins: KindInsights) -> dict[str, tuple[Any, pd.DataFrame | None, tuple[Any, ...], dict[str, Any]]]:
    """Each chart of a kind, in the page's order: name -> (builder, frame, arguments, keyword arguments). Nothing
    is built here: a page builds one chart when it draws it (`kind_chart`)."""
    kind = ins.kind
    labels = {"task": "task", "library": "library", "sdk": "SDK"}
    plan: dict[str, tuple[Any, pd.DataFrame | None, tuple[Any, ...], dict[str, Any]]] = {}
    for field, frame in ins.created_by.items():
        many = " (a repo with several counts under each)" if kind == "datasets" and field == "task" else ""
        title = f"{kind.capitalize()} created per month, by {labels[field]}"
        plan[f"created-by-{field}"] = (created_stack, frame, (field, title), {"subtitle": f"UTC months{many}"})
    if ins.concentration is not None:
        plan["concentration"] = (concentration_chart, ins.concentration,
                                 (f"Downloads held by the most downloaded {kind}",),
                                 {"subtitle": "last 30 days at the snapshot"})  # fmt: skip
    plan["lorenz"] = (lorenz_chart, ins.lorenz, ("Lorenz curve of downloads",),
                      {"subtitle": "the further below the dashed line, the more concentrated"})  # fmt: skip
    bars: list[tuple[str, pd.DataFrame | None, str, str, str, str, str | None]] = [
        ("authors-by-repos", ins.authors_by_repos, "author", "repos", f"Top authors by {kind}", kind.capitalize(),
         None),
        ("authors-by-downloads", ins.authors_by_downloads, "author", "downloads", "Top authors by downloads",
         "Downloads (30 days)", None),
        ("licenses", ins.licenses, "license", "count", "License mix", kind.capitalize(),
         "a repo with two licenses counts under each"),
        ("sizes", ins.sizes, "size_category", "count", "Dataset size categories", "Datasets",
         "rows, from small to large"),
        ("sdks", ins.sdks, "sdk", "count", "Space SDKs", "Spaces", None),
        ("hardware", ins.hardware, "hardware", "count", "Space hardware", "Spaces",
         "what a Space runs on (what it asked for, when it does not run)"),
        ("stages", ins.stages, "status", "count", "Space status", "Spaces", "the runtime stage at the snapshot"),
        ("models-used", ins.models_used, "repo", "spaces", "Models most used by Spaces", "Spaces",
         "how many Spaces name each model"),
        ("datasets-used", ins.datasets_used, "repo", "spaces", "Datasets most used by Spaces", "Spaces",
         "how many Spaces name each dataset"),
    ]  # fmt: skip
    for name, frame, label, value, title, value_title, subtitle in bars:
        plan[name] = (ranked_bars, frame, (label, value, title), {"value_title": value_title, "subtitle": subtitle})
    return {name: step for name, step in plan.items() if step[1] is not None and not step[1].empty}


def chart_names(ins: KindInsights) -> list[str]:
    """The names of a kind's charts (those with data), in the page's order."""
    return list(_plan(ins))


def kind_chart(ins: KindInsights, name: str, *, validate: bool = False) -> tuple[Spec, pd.DataFrame] | None:
    """One chart of a kind: (Vega-Lite spec without data, its frame), or None when it has no data. A page builds
    each chart as it draws it, so the first one is on screen before the others are built."""
    step = _plan(ins).get(name)
    if step is None:
        return None
    builder, frame, args, kwargs = step
    return builder(frame, *args, validate=validate, **kwargs), frame


def _kind_specs(ins: KindInsights, validate: bool) -> Specs:
    """The charts of one kind (see `chart_specs`)."""
    plan = _plan(ins)
    return {f"{ins.kind}-{name}": (builder(frame, *args, validate=validate, **kwargs), frame)
            for name, (builder, frame, args, kwargs) in plan.items()}  # fmt: skip


def chart_specs(insights: Insights, *, validate: bool = False) -> Specs:
    """``{"<kind>-<chart>": (Vega-Lite spec without data, its frame)}`` for every chart of the page; charts
    whose frame is empty are left out. `validate`: build each chart on its data and check the finished spec
    against the Vega-Lite schema (slow; the specs are the same)."""
    out: Specs = {}
    for ins in insights.kinds.values():
        out.update(_kind_specs(ins, validate))
    return out
