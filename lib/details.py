"""What a detail view shows, computed without Streamlit: tag groups, memory estimates, tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from lib.format import human_count, relative_time
from lib.records import DatasetRecord, FileEntry, ModelRecord, ParamCounts, RepoRecord, SpaceRecord
from lib.vocab import STAGE_WORDS, stage_words

#: Bytes per parameter when the weights are held at that precision.
BYTES_PER_PARAM: dict[str, float] = {"fp32": 4, "fp16 / bf16": 2, "int8": 1, "int4": 0.5}

#: safetensors dtype -> bytes per element.
DTYPE_BYTES: dict[str, float] = {
    "F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "I8": 1, "U8": 1, "BOOL": 1, "F4": 0.5, "I4": 0.5, "U4": 0.5,
}


#: A Space's runtime stage (huggingface_hub's `SpaceStage`, and SLEEPING, which the Hub also sends) -> badge colour,
#: icon, the stage in words (`lib.vocab.STAGE_WORDS`), and what it means for the embedded app (None: nothing to say).
_STAGE_LOOKS: dict[str, tuple[str, str, str | None]] = {
    "RUNNING": ("green", ":material/play_circle:", None),
    "RUNNING_BUILDING": ("orange", ":material/construction:", None),
    "RUNNING_APP_STARTING": ("orange", ":material/hourglass_top:", None),
    "APP_STARTING": ("orange", ":material/hourglass_top:", "Starting: the app may not answer until it has started."),
    "BUILDING": ("orange", ":material/construction:", "Building: the app may not answer until the build is done."),
    "SLEEPING": ("gray", ":material/bedtime:", "Sleeping: opening the app wakes it up, which can take a minute."),
    "PAUSED": ("gray", ":material/pause_circle:", "Paused by its owner: the app does not run until they restart it."),
    "STOPPED": ("gray", ":material/stop_circle:", "Stopped: the app does not run now."),
    "DELETING": ("gray", ":material/delete:", "Being deleted: the app no longer runs."),
    "BUILD_ERROR": ("red", ":material/error:", "Build error: the app could not be built."),
    "RUNTIME_ERROR": ("red", ":material/error:", "Runtime error: the app stopped with an error."),
    "CONFIG_ERROR": ("red", ":material/error:", "Configuration error: the Space's settings keep its app from starting."),
    "NO_APP_FILE": ("red", ":material/error:", "No app file: the Space has no app to run."),
}  # fmt: skip
SPACE_STAGES: dict[str, tuple[str, str, str, str | None]] = {
    stage: (color, icon, STAGE_WORDS[stage], meaning) for stage, (color, icon, meaning) in _STAGE_LOOKS.items()
}


def space_stage(stage: str | None) -> tuple[str, str, str, str | None]:
    """(badge colour, icon, words, what it means for the app) for a Space's stage; a stage this table does not know
    is shown in words made from its name ("SOME_STAGE" -> "Some stage")."""
    if stage in SPACE_STAGES:
        return SPACE_STAGES[stage]
    return "gray", ":material/help:", stage_words(stage), None


def memory_estimates(params: ParamCounts) -> dict[str, float]:
    """Bytes needed to hold the weights at each precision (weights only: activations and KV cache come on top)."""
    estimates = {name: params.total * per for name, per in BYTES_PER_PARAM.items()}
    as_stored = sum(n * DTYPE_BYTES.get(dtype.upper(), 4) for dtype, n in params.by_dtype.items())
    return {"as stored": as_stored, **estimates}


def key_figures(record: RepoRecord, params: ParamCounts | None = None, *,
                now: datetime | None = None) -> list[tuple[str, str]]:
    """The figures at the top of a detail view, as (label, text): downloads in the last 30 days (Spaces have
    none), likes, the parameter count (models; `params` from the safetensors weights), creation date, last update."""
    figures: list[tuple[str, str]] = []
    if not isinstance(record, SpaceRecord):
        figures.append(("Downloads (30 d)", human_count(record.downloads)))
    figures.append(("Likes", human_count(record.likes)))
    if isinstance(record, ModelRecord):
        figures.append(("Parameters", human_count(params.total) if params else "–"))
    figures.append(("Created", record.created_at.strftime("%Y-%m-%d") if record.created_at else "–"))
    figures.append(("Updated", relative_time(record.last_modified, now)))
    return figures


def tag_groups(record: RepoRecord) -> dict[str, tuple[str, ...]]:
    """Tags grouped as the Hub shows them, in order: a model's task and library, a dataset's task categories and
    size, then licenses, languages, datasets and papers; empty groups are left out. `other` holds the rest (tags
    with none of these meanings or prefixes)."""
    groups: dict[str, tuple[str, ...]] = {}
    if isinstance(record, ModelRecord):
        groups["task"] = (record.pipeline_tag,) if record.pipeline_tag else ()
        groups["library"] = (record.library_name,) if record.library_name else ()
    if isinstance(record, DatasetRecord):
        groups["tasks"] = record.task_categories
        groups["size"] = record.size_categories
    groups["licenses"] = record.licenses
    groups["languages"] = record.languages
    groups["datasets"] = record.datasets
    groups["papers"] = tuple(f"arXiv:{p}" for p in record.papers)
    claimed = set(groups.get("task", ())) | set(groups.get("library", ())) | set(record.languages)
    prefixed = ("license:", "dataset:", "arxiv:", "language:", "base_model:", "region:", "task_categories:",
                "size_categories:")
    groups["other"] = tuple(t for t in record.tags if t not in claimed and not t.startswith(prefixed))
    return {name: values for name, values in groups.items() if values}


def files_frame(files: Sequence[FileEntry]) -> pd.DataFrame:
    """One row per file, largest first."""
    frame = pd.DataFrame(
        {"File": [f.path for f in files], "Size": [f.size for f in files], "LFS": [f.lfs for f in files]}
    )
    return frame.sort_values(["Size", "File"], ascending=[False, True], na_position="last").reset_index(drop=True)


def params_frame(params: ParamCounts) -> pd.DataFrame:
    rows = sorted(params.by_dtype.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.DataFrame({"dtype": [d for d, _ in rows], "Parameters": [n for _, n in rows]})


def metadata_frame(metadata: dict[str, Any]) -> pd.DataFrame:
    """Card front matter as a two-column table; nested values are shown compactly as text."""

    def show(value: Any) -> str:
        if isinstance(value, (list, tuple)):
            return ", ".join(show(v) for v in value)
        if isinstance(value, dict):
            return "; ".join(f"{k}: {show(v)}" for k, v in value.items())
        return str(value)

    return pd.DataFrame({"Key": list(metadata), "Value": [show(v) for v in metadata.values()]})


CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "Architecture": ("architectures", "model_type"),
    "Layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "Hidden size": ("hidden_size", "n_embd", "d_model"),
    "Attention heads": ("num_attention_heads", "n_head"),
    "Context length": ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length"),
    "Vocabulary": ("vocab_size",),
}


def key_config(config: dict[str, Any] | None) -> dict[str, str]:
    """The config values people compare models by, when the config has them."""
    if not config:
        return {}
    out: dict[str, str] = {}
    for label, keys in CONFIG_KEYS.items():
        for key in keys:
            value = config.get(key)
            if value not in (None, "", []):
                out[label] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                break
    return out


def usage_snippet(model: ModelRecord) -> str | None:
    """A "use this model" snippet for transformers-compatible models (None when the model is not one)."""
    library = model.library_name or ("transformers" if model.transformers_info else None)
    if library == "sentence-transformers":
        return (
            "from sentence_transformers import SentenceTransformer\n\n"
            f'model = SentenceTransformer("{model.id}")\n'
            'embeddings = model.encode(["A first sentence", "Another one"])\n'
        )
    if library == "diffusers":
        return (
            "from diffusers import DiffusionPipeline\n\n"
            f'pipe = DiffusionPipeline.from_pretrained("{model.id}")\n'
            'image = pipe("An astronaut riding a horse").images[0]\n'
        )
    if library != "transformers":
        return None
    if model.pipeline_tag:
        return (
            "from transformers import pipeline\n\n"
            f'pipe = pipeline("{model.pipeline_tag}", model="{model.id}")\n'
        )
    auto = (model.transformers_info or {}).get("auto_model") or "AutoModel"
    return (
        f"from transformers import AutoTokenizer, {auto}\n\n"
        f'tokenizer = AutoTokenizer.from_pretrained("{model.id}")\n'
        f'model = {auto}.from_pretrained("{model.id}")\n'
    )
