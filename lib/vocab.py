"""Common filter values offered when no catalog can count them (the live Hub gives no facet counts).
Any other value can still be typed in the filter box."""

from __future__ import annotations

#: A Space's runtime stage (huggingface_hub's `SpaceStage`, and SLEEPING, which the Hub also sends) in words.
STAGE_WORDS: dict[str, str] = {
    "RUNNING": "Running", "RUNNING_BUILDING": "Running, rebuilding", "RUNNING_APP_STARTING": "Running, restarting",
    "APP_STARTING": "Starting", "BUILDING": "Building", "SLEEPING": "Sleeping", "PAUSED": "Paused",
    "STOPPED": "Stopped", "DELETING": "Being deleted", "BUILD_ERROR": "Build error", "RUNTIME_ERROR": "Runtime error",
    "CONFIG_ERROR": "Configuration error", "NO_APP_FILE": "No app file",
}  # fmt: skip


def stage_words(stage: str | None) -> str:
    """A Space's stage as people read it ("RUNTIME_ERROR" -> "Runtime error"); a stage `STAGE_WORDS` does not know
    in words made from its name ("SOME_STAGE" -> "Some stage")."""
    if stage in STAGE_WORDS:
        return STAGE_WORDS[stage]
    return (stage or "unknown stage").replace("_", " ").strip().capitalize()


COMMON_VALUES: dict[str, tuple[str, ...]] = {
    "library": (
        "transformers", "sentence-transformers", "diffusers", "peft", "gguf", "timm", "open_clip", "mlx",
        "adapter-transformers", "onnx", "safetensors", "keras", "pytorch", "tensorflow", "jax", "spacy",
        "setfit", "flair", "fastai", "stable-baselines3", "ml-agents", "speechbrain", "nemo", "espnet", "paddlenlp",
    ),
    "language": (
        "en", "zh", "fr", "de", "es", "ja", "ko", "ru", "pt", "it", "ar", "hi", "nl", "pl", "tr", "vi", "id",
        "sv", "fa", "uk", "multilingual",
    ),
    "license": (
        "apache-2.0", "mit", "openrail", "creativeml-openrail-m", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0",
        "cc-by-nc-sa-4.0", "llama2", "llama3", "llama3.1", "llama3.2", "gemma", "bigscience-openrail-m",
        "bigscience-bloom-rail-1.0", "afl-3.0", "bsd-3-clause", "gpl-3.0", "agpl-3.0", "artistic-2.0",
        "cc0-1.0", "odc-by", "other", "unknown",
    ),
    "author": (),
    "sdk": ("gradio", "streamlit", "docker", "static"),
    "hardware": (
        "cpu-basic", "cpu-upgrade", "zero-a10g", "t4-small", "t4-medium", "l4x1", "l4x4", "a10g-small",
        "a10g-large", "a10g-largex2", "a100-large", "h100",
    ),
    "stage": tuple(STAGE_WORDS),
    "uses_model": (),
    "uses_dataset": (),
}
