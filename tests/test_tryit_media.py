"""Tiny random models for the seq2seq, image and audio tasks, downloaded from the fake Hub and run through
``lib.tryit.runner.run`` with real inputs: a Pillow-made PNG and a 16-bit WAV sine wave written here.

Outputs are gibberish (random weights); what is checked is their shape: labels from the model's config, boxes
inside the image, a transcript in the tokenizer's alphabet, generated text that is text.
"""

from __future__ import annotations

import io
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from lib.errors import InvalidQueryError
from lib.tryit import media, runner
from lib.tryit.cache import PipelineCache
from lib.tryit.trial import Generation
from tests.tiny_models import CTC_CHARS, IMAGE_LABELS, build

GEN = Generation(max_new_tokens=6)
WIDTH, HEIGHT = 96, 64
RATE = 16000


@pytest.fixture(scope="module")
def repos(fake_hub, tmp_path_factory) -> dict[str, str]:
    """kind -> repo id on the fake Hub."""
    root = tmp_path_factory.mktemp("tiny-media")
    ids = {}
    for kind in (
        "text2text-generation",
        "image-classification",
        "object-detection",
        "automatic-speech-recognition",
        "image-to-text",
    ):
        repo_id = f"tiny-media/{kind}"
        fake_hub.add_local_repo("model", repo_id, build(kind, root / kind), pipeline_tag=kind)
        ids[kind] = repo_id
    return ids


@pytest.fixture(scope="module")
def cache():
    return PipelineCache(budget_bytes=10**9)


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """A 96x64 PNG with a gradient and a filled rectangle (so the models see more than a flat colour)."""
    from PIL import Image, ImageDraw

    x = np.linspace(0, 255, WIDTH, dtype=np.uint8)
    y = np.linspace(0, 255, HEIGHT, dtype=np.uint8)
    pixels = np.stack([np.tile(x, (HEIGHT, 1)), np.tile(y[:, None], (1, WIDTH)), np.full((HEIGHT, WIDTH), 90)], -1)
    img = Image.fromarray(pixels.astype(np.uint8), "RGB")
    ImageDraw.Draw(img).rectangle([20, 10, 60, 40], fill=(250, 200, 0))
    path = tmp_path_factory.mktemp("media") / "picture.png"
    img.save(path)
    return path


@pytest.fixture(scope="module")
def wav(tmp_path_factory) -> Path:
    """One second of a 440 Hz sine at 16 kHz, 16-bit mono."""
    t = np.arange(RATE) / RATE
    samples = (0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    path = tmp_path_factory.mktemp("media") / "sine.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    return path


def read_wav(path: Path) -> dict:
    """The WAV file decoded into the pipelines' ``{"raw", "sampling_rate"}`` (ffmpeg is not on this machine)."""
    with wave.open(str(path)) as src:
        frames = src.readframes(src.getnframes())
        rate = src.getframerate()
    return {"raw": np.frombuffer(frames, dtype="<i2").astype("float32") / 32768.0, "sampling_rate": rate}


# ------------------------------------------------------------------------------- media files, without a model


def _wav(samples: list[int], channels: int = 1, rate: int = 16_000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(s.to_bytes(2, "little", signed=True) for s in samples))
    return buf.getvalue()


def test_decode_wav_gives_mono_floats_and_the_rate():
    out = media.decode_wav(_wav([32767, -32767, 0, 16384], channels=2, rate=8000))
    assert out["sampling_rate"] == 8000
    assert out["raw"].dtype.name == "float32" and out["raw"].tolist() == pytest.approx([0.0, 0.25], abs=1e-3)
    with pytest.raises(ValueError, match="not a PCM WAV"):
        media.decode_wav(b"fLaC\x00\x00")


def test_wav_encoding_round_trips_and_clips():
    samples = np.array([0.0, 0.5, -0.5, 2.0], dtype="float32")  # 2.0 is out of range: clipped to 1.0
    back = media.decode_wav(media.encode_wav(samples, 8000))
    assert back["sampling_rate"] == 8000
    assert back["raw"].tolist() == pytest.approx([0.0, 0.5, -0.5, 1.0], abs=1e-3)


def test_media_for_the_client_and_for_the_pipeline(image, wav, tmp_path):
    decoded = media.for_pipeline("audio", str(wav))  # a WAV path read and decoded without ffmpeg
    assert decoded["sampling_rate"] == RATE and len(decoded["raw"]) == RATE
    again = media.for_pipeline("audio", decoded)
    assert again is not decoded and again["raw"] is decoded["raw"]  # a copy: the pipeline pops "raw" out of it
    assert media.for_pipeline("image", image.read_bytes()).size == (WIDTH, HEIGHT)
    with pytest.raises(InvalidQueryError, match="not an image"):
        media.for_pipeline("image", b"not an image")
    assert media.for_client(str(image), "image-classification") == str(image)  # a file is sent as it is
    assert media.for_client(decoded, "automatic-speech-recognition")[:4] == b"RIFF"  # samples sent as a WAV
    with pytest.raises(InvalidQueryError, match="no file at"):
        media.for_client(str(tmp_path / "missing.png"), "image-classification")
    assert media.given({"inputs": "x.png"}, "image") == "x.png" and media.given({"image": "y.png"}, "image") == "y.png"


# ------------------------------------------------------------------------------------------ through tiny models


def test_text2text_generation_downloads_and_generates(repos, cache, hub):
    hub.clear_requests()
    res = runner.run(
        repos["text2text-generation"],
        "text2text-generation",
        "question: What is the capital of France?",
        generation=GEN,
        cache=cache,
    )
    assert any("/resolve/" in r.path and "text2text" in r.path for r in hub.requests)  # the real download path
    assert isinstance(res.output["text"], str) and res.output["text"].strip()
    assert res.load_ms > 0 and res.run_ms > 0 and res.tokens and res.tokens_per_s > 0


@pytest.mark.parametrize("task", ["summarization", "translation"])
def test_summarization_and_translation_are_text2text_with_the_task_prefix(task, repos, cache):
    from lib.tryit.tasks import get_task

    text = "Paris is the capital of France. My name is Wolfgang."
    res = runner.run(repos["text2text-generation"], task, text, generation=GEN, cache=cache)
    same = runner.run(
        repos["text2text-generation"], "text2text-generation", get_task(task).prefix + text, generation=GEN, cache=cache
    )
    assert res.output["text"] == same.output["text"] != ""


def test_image_classification_labels_come_from_the_config(repos, cache, image):
    res = runner.run(repos["image-classification"], "image-classification", str(image), cache=cache)
    assert [r["label"] for r in res.output] != [] and {r["label"] for r in res.output} == set(IMAGE_LABELS)
    assert sum(r["score"] for r in res.output) == pytest.approx(1.0, abs=1e-4)
    assert [r["rank"] for r in res.output] == [1, 2, 3]
    assert [r["score"] for r in res.output] == sorted((r["score"] for r in res.output), reverse=True)


def test_object_detection_boxes_lie_inside_the_image(repos, cache, image):
    res = runner.run(repos["object-detection"], "object-detection", str(image), cache=cache)
    assert res.output, "the tiny detector is built to report boxes above the pipeline's 0.5 threshold"
    for det in res.output:
        xmin, ymin, xmax, ymax = det["box"]
        assert 0 <= xmin <= xmax <= WIDTH and 0 <= ymin <= ymax <= HEIGHT
        assert det["label"] in IMAGE_LABELS and 0.5 <= det["score"] <= 1.0
    assert [d["score"] for d in res.output] == sorted((d["score"] for d in res.output), reverse=True)


def test_speech_recognition_transcribes_a_sine_wave(repos, cache, wav):
    res = runner.run(
        repos["automatic-speech-recognition"], "automatic-speech-recognition", {"inputs": read_wav(wav)}, cache=cache
    )
    text = res.output["text"]
    assert isinstance(text, str) and text  # random weights still emit characters for a second of sound
    # CTC decoding keeps special tokens (the pipeline's choice): what is left is the tokenizer's alphabet
    assert set(text.replace("<unk>", "").replace("<pad>", "")) <= set(CTC_CHARS) | {" "}
    assert res.output["chunks"] == [] and res.run_ms > 0


def test_speech_recognition_reads_a_wav_file_without_ffmpeg_and_reruns(repos, cache, wav):
    """A WAV path (or its bytes) is decoded here; the same decoded dict can be run twice (the pipeline pops its
    samples out of the dict it is given, so the runner hands it a copy)."""
    model = repos["automatic-speech-recognition"]
    by_path = runner.run(model, "automatic-speech-recognition", str(wav), cache=cache)
    by_bytes = runner.run(model, "automatic-speech-recognition", wav.read_bytes(), cache=cache)
    decoded = read_wav(wav)
    first = runner.run(model, "automatic-speech-recognition", decoded, cache=cache)
    again = runner.run(model, "automatic-speech-recognition", decoded, cache=cache)
    assert by_path.output["text"] == by_bytes.output["text"] == first.output["text"] == again.output["text"]
    assert "raw" in decoded


@pytest.mark.skipif(shutil.which("ffmpeg") is not None, reason="ffmpeg present: other formats decode")
def test_speech_recognition_from_a_non_wav_file_without_ffmpeg_says_why(repos, cache, tmp_path):
    flac = tmp_path / "sound.flac"
    flac.write_bytes(b"fLaC" + bytes(64))
    with pytest.raises(InvalidQueryError, match="ffmpeg"):
        runner.run(repos["automatic-speech-recognition"], "automatic-speech-recognition", str(flac), cache=cache)


def test_image_to_text_captions_the_image(repos, cache, image):
    res = runner.run(repos["image-to-text"], "image-to-text", str(image), generation=GEN, cache=cache)
    assert isinstance(res.output["text"], str) and str(image) not in res.output["text"]
    again = runner.run(repos["image-to-text"], "image-to-text", image.read_bytes(), generation=GEN, cache=cache)
    assert again.output == res.output and again.from_cache  # image bytes (an upload) read as the same image
