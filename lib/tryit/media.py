"""Image and audio inputs, read without ffmpeg or a network: for a local pipeline (a Pillow image, decoded WAV
samples) and for a remote call (bytes, a file path or a URL, decoded samples sent back as a WAV file).

Pillow and numpy are imported inside the functions that need them.
"""

from __future__ import annotations

import io
import os
import wave
from typing import Any

from lib.errors import InvalidQueryError


def given(value: Any, kind: str) -> Any:
    """The image or audio in an input as given: the value itself, or under ``"inputs"``/``kind`` in a dict
    (decoded samples, ``{"raw", "sampling_rate"}``, are the value itself)."""
    if isinstance(value, dict) and "raw" not in value:
        return value.get("inputs", value.get(kind))
    return value


def read_image(data: bytes) -> Any:
    """Image bytes (an upload) -> an RGB Pillow image; ``InvalidQueryError`` for something Pillow cannot read."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidQueryError(f"That is not an image this app can read ({type(exc).__name__}).") from None
    return image.convert("RGB")


def decode_wav(data: bytes) -> dict[str, Any]:
    """A WAV file (what ``st.audio_input`` records) -> ``{"raw": float32 mono array, "sampling_rate": int}``.

    The ASR pipeline takes that dict without ffmpeg; other formats are passed as bytes (ffmpeg decodes them).
    Raises ``ValueError`` for something that is not PCM WAV.
    """
    import numpy as np

    try:
        with wave.open(io.BytesIO(data)) as w:
            rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            raw = w.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a PCM WAV file: {exc}") from None
    if width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) / 128
    elif width in (2, 4):
        dtype = np.int16 if width == 2 else np.int32
        samples = np.frombuffer(raw, dtype=dtype).astype(np.float32) / float(np.iinfo(dtype).max)
    else:
        raise ValueError(f"unsupported WAV sample width: {width * 8} bits")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return {"raw": samples.astype(np.float32), "sampling_rate": int(rate)}


def encode_wav(samples: Any, sampling_rate: int) -> bytes:
    """Mono float samples in -1..1 -> a 16-bit PCM WAV file."""
    import numpy as np

    clipped = np.clip(np.asarray(samples, dtype="float32"), -1.0, 1.0)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(int(sampling_rate))
        wav.writeframes((clipped * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def for_pipeline(kind: str, value: Any) -> Any:
    """What a local pipeline can take without ffmpeg or a network: image bytes -> a Pillow image; a WAV file (path
    or bytes) -> ``{"raw", "sampling_rate"}``; a decoded-audio dict copied (the ASR pipeline pops ``raw`` out of
    the dict it is given, which would break a rerun with the same value). Anything else is passed on."""
    if kind == "image" and isinstance(value, (bytes, bytearray)):
        return read_image(bytes(value))
    if kind == "audio":
        if isinstance(value, dict) and "raw" in value:
            return dict(value)
        if isinstance(value, str) and not value.startswith(("http://", "https://")) and value.lower().endswith(".wav"):
            try:
                with open(value, "rb") as f:
                    value = f.read()
            except OSError as exc:
                raise InvalidQueryError(f"Cannot read the audio file {value}: {exc.strerror or exc}") from None
        if isinstance(value, (bytes, bytearray)) and bytes(value[:4]) == b"RIFF":
            try:
                return decode_wav(bytes(value))
            except ValueError as exc:
                raise InvalidQueryError(f"That WAV file cannot be read: {exc}") from None
    return value


def for_client(value: Any, task: str) -> Any:
    """What ``InferenceClient`` can send for an image or audio input: bytes, a PIL image, a URL or an existing
    file; decoded samples (``{"raw", "sampling_rate"}``) are sent as a 16-bit WAV."""
    if isinstance(value, dict) and "raw" in value and "sampling_rate" in value:
        return encode_wav(value["raw"], value["sampling_rate"])
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str) and not value.startswith(("http://", "https://")) and not os.path.isfile(value):
        raise InvalidQueryError(f"{task}: no file at {value}.", hint="Give an existing file, a URL or bytes.")
    if isinstance(value, (str, bytes, bytearray)) or hasattr(value, "read") or type(value).__module__.startswith("PIL"):
        return value
    raise InvalidQueryError(
        f"{task} cannot send a {type(value).__name__} remotely.", hint="Give a file path, a URL, bytes or an image."
    )
