"""The Try it panel's pure helpers (lib.tryit.render) and the download progress counts: no Streamlit, no torch."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from lib.tryit import render
from lib.tryit.download import DownloadProgress, _Counter, progress_class
from lib.tryit.fit import FitReport
from lib.tryit.outputs import answer_span, entity_spans


def unescape(md: str) -> str:
    """What a reader sees of escaped Markdown text (directives removed by the caller)."""
    return re.sub(r"\\(.)", r"\1", md)


# ------------------------------------------------------------------------------------------- highlighting


TEXT = "My name is **Sarah** and I live in :red[London]"
TOKENS = [
    {"entity": "B-PER", "score": 0.9, "start": 11, "end": 20},
    {"entity": "B-LOC", "score": 0.8, "start": 34, "end": 47},
]


def test_entities_are_on_colored_backgrounds_with_the_text_escaped():
    md = render.highlight_entities(entity_spans(TOKENS, TEXT)["segments"])
    assert md.count(":blue-background[") == 1 and md.count(":green-background[") == 1  # one color per type
    assert "**PER**]" in md and "**LOC**]" in md
    # the input's own Markdown stays literal: no bold, no red directive of its own
    assert r"\*\*Sarah\*\*" in md and r"\:red\[London\]" in md
    assert "<" not in md.replace(r"\<", "")  # never HTML
    body = re.sub(r":(\w+)-background\[(.*?) \*\*\w+\*\*\]", r"\2", md)
    assert unescape(body) == TEXT  # nothing lost or added around the entities


def test_same_label_same_color_and_colors_cycle():
    segments = [["a", "PER"], [" ", None], ["b", "LOC"], [" ", None], ["c", "PER"]]
    md = render.highlight_entities(segments)
    assert md.count(":blue-background[") == 2 and md.count(":green-background[") == 1
    many = render.label_colors([f"L{i}" for i in range(8)])
    assert many["L0"] == many[f"L{len(render.BACKGROUNDS)}"] and len(set(many.values())) == len(render.BACKGROUNDS)


def test_answer_is_highlighted_in_its_context():
    value = {"question": "Where?", "context": "I live in [Berlin] (Germany)."}
    span = answer_span({"answer": "[Berlin]", "score": 0.5, "start": 10, "end": 18}, value)
    md = render.highlight_answer(span)
    assert md.startswith(r"I live in :green-background[**\[Berlin\]**]")
    assert unescape(md.replace(":green-background[**", "").replace("**]", "", 1)) == value["context"]
    assert render.highlight_answer({"before": "no ", "answer": "", "after": "answer"}) == "no answer"


# ------------------------------------------------------------------------------------------------- charts


def test_bar_rows_are_best_first_and_capped():
    rows = [{"token": f"t{i}", "score": i / 10} for i in range(5)]
    out = render.bar_rows(rows, label="token", limit=3)
    assert [r["label"] for r in out] == ["t4", "t3", "t2"] and out[0]["score"] == 0.4


def test_score_bars_sort_by_score_and_show_percentages():
    spec = render.score_bars([{"label": "POSITIVE", "score": 0.7}, {"label": "NEGATIVE", "score": 0.3}]).to_dict()
    bars = spec["layer"][0]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["y"]["sort"] is None  # the rows' order: best first
    assert spec["height"] == 2 * render.BAR_STEP + 60
    assert bars["encoding"]["x"]["axis"]["format"] == ".1%" and bars["encoding"]["x"]["scale"]["domain"] == [0, 1]
    data = next(iter(spec["datasets"].values()))
    assert data == [{"label": "POSITIVE", "score": 0.7}, {"label": "NEGATIVE", "score": 0.3}]
    plain = render.score_bars([{"label": "a", "score": -0.2}], percent=False).to_dict()["layer"][0]
    assert plain["encoding"]["x"]["axis"]["format"] == ".3f" and "scale" not in plain["encoding"]["x"]


def test_similarity_rows_keep_the_sentence_order():
    assert render.similarity_rows(["a", "b"], [0.1, 0.9]) == [{"label": "a", "score": 0.1},
                                                               {"label": "b", "score": 0.9}]
    with pytest.raises(ValueError):
        render.similarity_rows(["a", "b"], [0.1])


# -------------------------------------------------------------------------------------------------- boxes


def test_boxes_are_drawn_on_a_copy_with_their_label_color():
    from PIL import Image

    image = Image.new("RGB", (200, 120), (255, 255, 255))
    boxes = [{"label": "cat", "score": 0.93, "box": [20, 40, 120, 110]},
             {"label": "dog", "score": 0.5, "box": [-50, -50, 500, 500]}]  # out of bounds: clipped
    out = render.draw_boxes(image, boxes, width=3)
    assert image.getpixel((20, 80)) == (255, 255, 255)  # the input is untouched
    assert out.size == image.size
    assert out.getpixel((21, 80)) == render.BOX_COLORS[0]  # left edge of the cat box
    assert out.getpixel((119, 80)) == render.BOX_COLORS[0]  # right edge
    assert out.getpixel((70, 80)) == (255, 255, 255)  # inside stays clear
    assert out.getpixel((1, 60)) == render.BOX_COLORS[1]  # the dog box, clipped to the border
    assert out.getpixel((22, 30)) == render.BOX_COLORS[0]  # the label tab above the box


def test_feature_preview():
    prev = render.feature_preview({"tokens": 7, "dim": 10, "embedding": [i / 3 for i in range(10)]}, n=4)
    assert prev["shape"] == "7 tokens x 10 dimensions" and prev["preview"] == [0.0, 0.3333, 0.6667, 1.0]
    assert prev["more"] == 6


# --------------------------------------------------------------------------------------------------- figures


def _report(**kw):
    base = {"model_id": "org/m", "device": "cpu", "dtype": None, "params": 1_500_000, "weights_bytes": 6_000_000,
            "needed_bytes": 7_200_000, "free_bytes": 8_000_000_000, "download_bytes": 6_100_000,
            "download_files": 4, "cached": False, "gated": False, "has_token": False, "license": "mit",
            "remote_code": False, "consent_remote_code": False}
    return FitReport(**{**base, **kw})


def test_fit_rows_and_verdict_in_plain_words():
    rows = dict(render.fit_rows(_report()))
    assert rows["Parameters"] == "1.5M (1,500,000)" and rows["Weights (as stored)"] == "6.0 MB"
    assert rows["Free on cpu"] == "8.0 GB" and rows["Download"] == "6.1 MB in 4 files"
    assert rows["Already cached"] == "no" and rows["Gated"] == "no" and rows["License"] == "mit"
    assert render.fit_verdict(_report()) == "Needs about 7.2 MB of the 8.0 GB free on cpu (0%): it fits."
    big = _report(needed_bytes=16_000_000_000)
    assert render.fit_verdict(big).endswith("(200%): it does not fit.")
    odd = dict(render.fit_rows(_report(params=None, weights_bytes=None, needed_bytes=None, download_bytes=None,
                                       cached=None, gated=True, remote_code=True, license=None)))
    assert odd["Parameters"] == "unknown" and odd["Download"] == "4 files, size unknown"
    assert odd["Gated"] == "yes, and no token is set" and odd["Remote code"] == "yes: needs consent"
    assert odd["License"] == "not declared" and odd["Already cached"] == "unknown"
    assert render.fit_verdict(_report(needed_bytes=None)).startswith("Memory cannot be checked")


def test_metrics_say_cached_and_give_tokens_per_second_and_peak():
    res = SimpleNamespace(from_cache=True, load_ms=0.0, run_ms=12.4, tokens_per_s=51.25, peak_bytes=2_500_000_000,
                          peak_vram_bytes=None)
    assert render.metrics(res) == [("Load", "cached"), ("Run", "12 ms"), ("Tokens/s", "51.2"),
                                   ("Peak memory", "2.5 GB")]
    fresh = SimpleNamespace(from_cache=False, load_ms=1534.0, run_ms=25_000.0, tokens_per_s=None, peak_bytes=None,
                            peak_vram_bytes=3_000_000)
    assert render.metrics(fresh) == [("Load", "1.53 s"), ("Run", "25.0 s"), ("Peak GPU memory", "3.0 MB")]
    assert render.metrics(res, remote=True)[0] == ("Load", "on the server")
    assert "Peak memory" not in dict(render.metrics(res, remote=True))
    # a model whose memory did not visibly grow says so (0 B), rather than leaving the figure out
    assert ("Peak memory", "0 B") in render.metrics(SimpleNamespace(**{**vars(res), "peak_bytes": 0}))
    assert set(render.METRIC_HELP) >= {"Peak memory", "Peak GPU memory"}  # what is measured, said beside it


# -------------------------------------------------------------------------------------------- progress counts


def test_progress_label_and_fraction():
    p = DownloadProgress(files_done=1, files_total=4, bytes_done=250_000, bytes_total=1_000_000)
    assert p.fraction == 0.25 and p.label() == "Downloading: 1 / 4 files, 250.0 KB / 1.0 MB"
    assert DownloadProgress(files_done=1, files_total=2).fraction == 0.5
    assert DownloadProgress().label() == "Downloading: listing files, 0 B"


def test_the_tqdm_class_counts_the_way_snapshot_download_drives_it():
    """The calls huggingface_hub 2.4's snapshot_download makes on ``tqdm_class`` (see lib/tryit/download.py)."""
    counter = _Counter(known_bytes=None)
    bar = progress_class(counter)
    transfer = bar(desc="Downloading bytes", total=0, initial=0, unit="B", unit_scale=True)
    payload = bar(desc="Reconstructing (incomplete total...)", total=0, initial=0, unit="B", unit_scale=True)
    with bar(desc="Fetching 2 files", total=2) as files:
        for size in (300, 700):
            payload.total += size  # each file's start raises the total
            payload.refresh()
            payload.update(size // 2)
            payload.update(size - size // 2)
            transfer.update(size)  # Xet transfer bytes are not counted twice
            files.update(1)
    assert counter.snapshot() == DownloadProgress(files_done=2, files_total=2, bytes_done=1000, bytes_total=1000)
    known = _Counter(known_bytes=5000)
    progress_class(known)(desc="Reconstructing", total=1000, unit="B").update(1000)
    assert known.snapshot().bytes_total == 5000 and known.snapshot().fraction == 0.2


def test_scores_of_several_models_in_one_chart_best_mean_first():
    import pandas as pd

    frame = pd.DataFrame([("m1", "POS", 0.9), ("m1", "NEG", 0.1), ("m2", "NEG", 0.7), ("m2", "POS", 0.3),
                          ("m2", "calm", 0.0)], columns=["model", "label", "score"])
    spec = render.model_score_bars(frame, limit=2).to_dict()
    enc = spec["encoding"]
    assert enc["y"]["sort"] == ["POS", "NEG"]  # means 0.6, 0.4 (calm, 0.0, is past the limit)
    assert enc["color"]["sort"] == ["m1", "m2"] and enc["yOffset"]["field"] == "model"  # models in the order given
    assert enc["x"]["scale"]["domain"] == [0, 1] and enc["x"]["axis"]["format"] == ".1%"
    rows = next(iter(spec["datasets"].values()))
    assert {r["label"] for r in rows} == {"POS", "NEG"}
    similarity = render.model_score_bars(frame, title="Cosine similarity", percent=False).to_dict()
    assert "scale" not in similarity["encoding"]["x"] and similarity["encoding"]["x"]["axis"]["format"] == ".3f"
