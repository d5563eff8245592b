"""The Hub's task ids (`pipeline_tag` for models, `task_categories` for datasets), grouped as the Hub does."""

from __future__ import annotations

TASK_GROUPS: dict[str, tuple[str, ...]] = {
    "Natural language": (
        "text-generation", "text2text-generation", "fill-mask", "text-classification", "token-classification",
        "question-answering", "zero-shot-classification", "summarization", "translation", "feature-extraction",
        "sentence-similarity", "table-question-answering", "text-ranking", "multiple-choice",
    ),
    "Multimodal": (
        "image-text-to-text", "visual-question-answering", "document-question-answering", "image-to-text",
        "video-text-to-text", "any-to-any", "visual-document-retrieval",
    ),
    "Computer vision": (
        "image-classification", "object-detection", "image-segmentation", "text-to-image", "image-to-image",
        "depth-estimation", "zero-shot-image-classification", "zero-shot-object-detection", "mask-generation",
        "image-feature-extraction", "image-to-video", "text-to-video", "video-classification",
        "unconditional-image-generation", "keypoint-detection", "text-to-3d", "image-to-3d",
    ),
    "Audio": (
        "automatic-speech-recognition", "text-to-speech", "text-to-audio", "audio-classification", "audio-to-audio",
        "voice-activity-detection",
    ),
    "Tabular and other": (
        "tabular-classification", "tabular-regression", "time-series-forecasting", "reinforcement-learning",
        "robotics", "graph-ml", "other",
    ),
}

ALL_TASKS: tuple[str, ...] = tuple(t for group in TASK_GROUPS.values() for t in group)


def task_label(task: str) -> str:
    """'text-generation' -> 'Text generation'."""
    words = task.replace("-", " ").replace("text2text", "text-to-text")
    return words[:1].upper() + words[1:]
