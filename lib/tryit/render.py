"""Pure helpers for the Try it panel's output views: Markdown builders, bar charts, boxes on images, figures.

Everything that a page shows and that can be decided without Streamlit lives here, so it is unit-tested: entity
and answer highlighting as Streamlit Markdown (``:blue-background[...]`` directives around escaped text, never raw
HTML), score bars (Altair), detection boxes drawn with Pillow, the "will it run here?" rows and run metrics.
Altair and Pillow are imported inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lib.format import human_bytes, human_count, md_escape
from lib.tryit.fit import FitReport

# Streamlit Markdown background colors, in the order entity types get them (gray is kept for "other").
BACKGROUNDS = ("blue", "green", "orange", "violet", "red", "primary")
BAR_COLOR = "#ff9d00"  # the app's primary color
BAR_STEP = 30  # pixels per bar
# RGB for the same entity types on images (boxes).
BOX_COLORS = ((31, 119, 180), (44, 160, 44), (255, 127, 14), (148, 103, 189), (214, 39, 40), (255, 157, 0))


def label_colors(labels: Sequence[str], palette: Sequence[Any] = BACKGROUNDS) -> dict[str, Any]:
    """A stable color per distinct label, in order of first appearance (colors cycle past the palette)."""
    out: dict[str, Any] = {}
    for label in labels:
        if label not in out:
            out[label] = palette[len(out) % len(palette)]
    return out


def highlight_entities(segments: Sequence[Sequence[Any]]) -> str:
    """``entity_spans()``'s segments -> Markdown with each entity on a colored background, its type in bold.

    Text is escaped, so a ``**`` or ``:red[x]`` in the input stays literal. Newlines are kept as Markdown
    line breaks.
    """
    colors = label_colors([label for _, label in segments if label])
    parts = []
    for piece, label in segments:
        text = md_escape(str(piece)).replace("\n", "  \n")
        if label and piece.strip():
            parts.append(f":{colors[label]}-background[{text} **{md_escape(str(label))}**]")
        else:
            parts.append(text)
    return "".join(parts)


def highlight_answer(span: dict[str, Any]) -> str:
    """``answer_span()`` -> the context as Markdown with the answer on a green background."""
    before, answer, after = (md_escape(span.get(k, "")) for k in ("before", "answer", "after"))
    if not answer:
        return before + after
    return f"{before}:green-background[**{answer}**]{after}"


def bar_rows(rows: Sequence[dict[str, Any]], label: str = "label", score: str = "score",
             limit: int = 20) -> list[dict[str, Any]]:
    """Rows for a score bar chart, best first, at most ``limit`` (the rest are the least likely)."""
    clean = [{"label": str(r[label]), "score": float(r[score])} for r in rows]
    return sorted(clean, key=lambda r: -r["score"])[:limit]


def score_bars(rows: Sequence[dict[str, Any]], *, title: str = "Score", percent: bool = True) -> Any:
    """A horizontal Altair bar chart of ``bar_rows()`` (already best first), each bar labelled with its score.

    Scores in 0..1 are shown as percentages on a 0-100% axis; similarity scores (-1..1) as plain numbers. The
    height counts the axis and padding too: Streamlit fits the whole chart, not only the bars, in it.
    """
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=["label", "score"])
    fmt = ".1%" if percent else ".3f"
    x = alt.X("score:Q", title=title, axis=alt.Axis(format=fmt),
              scale=alt.Scale(domain=[0, 1]) if percent else alt.Undefined)
    y = alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False))
    base = alt.Chart(frame).encode(x=x, y=y)
    bars = base.mark_bar(cornerRadiusEnd=3, color=BAR_COLOR).encode(
        tooltip=[alt.Tooltip("label:N", title="Label"), alt.Tooltip("score:Q", title=title, format=fmt)]
    )
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("score:Q", format=fmt))
    return alt.layer(bars, text).properties(
        height=max(1, len(frame)) * BAR_STEP + 60, padding={"left": 5, "top": 5, "bottom": 5, "right": 56}
    )


def draw_boxes(image: Any, boxes: Sequence[dict[str, Any]], *, width: int | None = None) -> Any:
    """A copy of ``image`` (PIL) with each detection's box and "label 97%" drawn on it.

    ``boxes`` are ``detections()`` rows: ``{"label", "score", "box": [xmin, ymin, xmax, ymax]}``; boxes are clipped
    to the image. The line width follows the image size so boxes stay visible on large photos.
    """
    from PIL import ImageDraw, ImageFont

    out = image.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    line = width or max(2, round(min(out.size) / 150))
    colors = label_colors([b["label"] for b in boxes], BOX_COLORS)
    try:  # a readable size on any photo; the bitmap default (no FreeType) is tiny but works
        font: Any = ImageFont.load_default(size=max(12, round(min(out.size) / 22)))
    except (TypeError, ImportError, OSError):
        font = ImageFont.load_default()
    w, h = out.size
    for b in boxes:
        x0, y0, x1, y1 = (float(v) for v in b["box"])
        x0, x1 = sorted((max(0.0, min(x0, w - 1)), max(0.0, min(x1, w - 1))))
        y0, y1 = sorted((max(0.0, min(y0, h - 1)), max(0.0, min(y1, h - 1))))
        color = colors[b["label"]]
        draw.rectangle((x0, y0, x1, y1), outline=color, width=line)
        caption = f"{b['label']} {float(b['score']):.0%}"
        left, top, right, bottom = draw.textbbox((0, 0), caption, font=font)
        tw, th = right - left + 6, bottom - top + 4
        ty = y0 - th if y0 - th >= 0 else y0
        draw.rectangle((x0, ty, x0 + tw, ty + th), fill=color)
        draw.text((x0 + 3, ty + 2 - top), caption, fill=(255, 255, 255), font=font)
    return out


def feature_preview(summary: dict[str, Any], n: int = 8) -> dict[str, Any]:
    """``feature_summary()`` -> shape text and the first ``n`` values of the pooled vector (rounded)."""
    vector = list(summary.get("embedding") or [])
    return {
        "shape": f"{summary.get('tokens', '?')} tokens x {summary.get('dim', len(vector))} dimensions",
        "pooled": f"mean-pooled vector of {len(vector)} values",
        "preview": [round(float(v), 4) for v in vector[:n]],
        "more": max(0, len(vector) - n),
    }


def similarity_rows(sentences: Sequence[str], scores: Sequence[float]) -> list[dict[str, Any]]:
    """One row per sentence with its cosine to the source, in the given order (the Hub widget keeps it)."""
    return [{"label": s, "score": float(v)} for s, v in zip(sentences, scores, strict=True)]


def fit_rows(rep: FitReport) -> list[tuple[str, str]]:
    """The "will it run here?" figures as (label, value) rows, in plain words."""
    dtype = rep.dtype or "as stored"
    rows = [
        ("Parameters", f"{human_count(rep.params)} ({rep.params:,})" if rep.params else "unknown"),
        (f"Weights ({dtype})", human_bytes(rep.weights_bytes) if rep.weights_bytes is not None else "unknown"),
        ("Needed with overhead", human_bytes(rep.needed_bytes) if rep.needed_bytes is not None else "unknown"),
        (f"Free on {rep.device}", human_bytes(rep.free_bytes) if rep.free_bytes is not None else "unknown"),
        ("Download", (f"{human_bytes(rep.download_bytes)} in {rep.download_files} files"
                      if rep.download_bytes is not None else f"{rep.download_files} files, size unknown")),
        ("Already cached", {True: "yes", False: "no", None: "unknown"}[rep.cached]),
        ("Gated", ("yes, a token is set" if rep.has_token else "yes, and no token is set") if rep.gated else "no"),
        ("License", rep.license or "not declared"),
        ("Remote code", ("yes, consent given" if rep.consent_remote_code else "yes: needs consent")
         if rep.remote_code else "no"),
    ]
    return rows


def fit_verdict(rep: FitReport) -> str:
    """One line: fits, does not fit, or cannot tell (with the figures)."""
    if rep.fits is None:
        return "Memory cannot be checked before loading (parameter count or free memory unknown)."
    share = rep.needed_bytes / rep.free_bytes if rep.free_bytes else float("inf")
    verb = "fits" if rep.fits else "does not fit"
    return (f"Needs about {human_bytes(rep.needed_bytes)} of the {human_bytes(rep.free_bytes)} free on "
            f"{rep.device} ({share:.0%}): it {verb}.")


#: What the figures measure, said beside them (a metric's help).
MEMORY_MEASURED = ("This model's own: how far this process's memory rose from just before the model's load to the "
                   "end of its run (a model that was loaded already counts what its load and runs have cost). Not "
                   "the whole server's memory; what else this server does at the same moment (other trials, drawing "
                   "pages) counts too, and the first model a server runs also pays for the framework's first use.")
METRIC_HELP: dict[str, str] = {
    "Load": "Download excluded; \"cached\" when the loaded pipeline was reused.",
    "Peak memory": MEMORY_MEASURED,
    "Peak GPU memory": MEMORY_MEASURED.replace("this process's memory", "torch's allocated GPU memory"),
}


def metrics(result: Any, *, remote: bool = False) -> list[tuple[str, str]]:
    """A RunResult's figures as (label, value): load (``cached`` when reused), run, tokens/s, peak memory.

    A remote run has no load here (the server loads) and its peak memory is not this machine's.
    """
    if remote:
        load = ("Load", "on the server")
    else:
        load = ("Load", "cached" if result.from_cache else f"{result.load_ms / 1000:.2f} s")
    rows = [
        load,
        ("Run", f"{result.run_ms:.0f} ms" if result.run_ms < 10_000 else f"{result.run_ms / 1000:.1f} s"),
    ]
    if result.tokens_per_s is not None:
        rows.append(("Tokens/s", f"{result.tokens_per_s:.1f}"))
    if getattr(result, "peak_bytes", None) is not None and not remote:
        rows.append(("Peak memory", human_bytes(result.peak_bytes)))
    if getattr(result, "peak_vram_bytes", None) is not None and not remote:
        rows.append(("Peak GPU memory", human_bytes(result.peak_vram_bytes)))
    return rows


def model_score_bars(frame: Any, *, title: str = "Score", percent: bool = True, limit: int = 12) -> Any:
    """Several models' scores for the same labels (``lib.tryit.multi.scores``: model, label, score) as one Altair
    chart: a group of bars per label (highest mean first, at most ``limit``), one bar per model in the order given,
    each model its color, so agreement shows as bars of one length and disagreement at a glance. Scores in 0..1 on a
    percent axis; similarities (-1..1) as plain numbers."""
    import altair as alt

    means = frame.groupby("label", sort=False)["score"].mean().sort_values(ascending=False, kind="stable")
    labels = list(means.index[:limit])
    shown = frame[frame["label"].isin(labels)]
    models = list(dict.fromkeys(shown["model"]))
    fmt = ".1%" if percent else ".3f"
    return alt.Chart(shown).mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X("score:Q", title=title, axis=alt.Axis(format=fmt),
                scale=alt.Scale(domain=[0, 1]) if percent else alt.Undefined),
        y=alt.Y("label:N", sort=labels, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        yOffset=alt.YOffset("model:N", sort=models),
        color=alt.Color("model:N", sort=models, title="Model", legend=alt.Legend(orient="bottom", labelLimit=400)),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("label:N", title="Label"),
                 alt.Tooltip("score:Q", title=title, format=fmt)],
    ).properties(height=max(1, len(labels)) * max(1, len(models)) * 14 + 90)
