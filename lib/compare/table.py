"""The comparison table: one row per fact, one value per model, what differs and which value is best.

`ROWS` is the one table of facts (add a fact = add a row). `compare(facts)` evaluates every row for every model,
adds one row per (dataset, metric) that any model's card reports under `model-index`, and says per row whether the
values differ and which model has the best one (for rows where more, or less, is better). Values are JSON scalars
(None when unknown, with the reason in `Cell.reason`), so the CLI prints them as they are and the page formats them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from lib.compare.facts import ModelFacts
from lib.details import BYTES_PER_PARAM, DTYPE_BYTES
from lib.format import human_bytes, human_count
from lib.records import repo_web_url

Scalar = str | int | float | bool | None
Better = Literal["higher", "lower"] | None
Format = Literal["text", "count", "bytes", "date", "bool", "score"]

#: Config keys that give the context length, in the order they are trusted (first found wins).
CONTEXT_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "max_sequence_length",
                "n_ctx", "model_max_length")
#: Weight files, for the download size of the weights alone.
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".h5", ".msgpack", ".onnx", ".ckpt", ".mlmodel")
#: Metrics where a lower value is better (the rest of a card's metrics: higher is better).
LOWER_IS_BETTER = frozenset({"wer", "cer", "perplexity", "ppl", "loss", "mae", "mse", "rmse", "ter", "eer"})


@dataclass(frozen=True)
class Row:
    """One fact: its JSON name, label, how to read it from a model's facts, how to show it, and which is best."""

    field: str
    label: str
    get: Callable[[ModelFacts], Scalar]
    format: Format = "text"
    better: Better = None
    needs: str | None = None  # the fact it comes from ("parameters", "config", "files"): its reason when unknown
    group: str = "Overview"


@dataclass(frozen=True)
class Cell:
    value: Scalar
    reason: str | None = None  # why the value is unknown


@dataclass(frozen=True)
class ComparedRow:
    field: str
    label: str
    group: str
    format: Format
    better: Better
    cells: tuple[Cell, ...]
    differs: bool
    best: tuple[int, ...] = ()  # the models (by position) with the best value

    @property
    def values(self) -> list[Scalar]:
        return [c.value for c in self.cells]

    @property
    def numeric(self) -> bool:
        return self.format in ("count", "bytes", "score") and any(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values
        )


@dataclass(frozen=True)
class Comparison:
    models: tuple[str, ...]
    rows: tuple[ComparedRow, ...]
    errors: dict[str, str] = field(default_factory=dict)  # model -> why it could not be read

    def as_json(self) -> dict[str, Any]:
        """The CLI's shape: {"models": [...], "rows": [{"field", "values", "differs"}]}."""
        return {
            "models": list(self.models),
            "rows": [{"field": r.field, "values": r.values, "differs": r.differs} for r in self.rows],
        }


# --- reading facts ------------------------------------------------------------------------------------------------


def _rec(attr: str) -> Callable[[ModelFacts], Scalar]:
    return lambda f: getattr(f.record, attr, None) if f.record is not None else None


def _joined(values: tuple[str, ...] | list[str]) -> str | None:
    return ", ".join(values) if values else None


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value is not None else None


def _config(f: ModelFacts, *keys: str) -> Scalar:
    sources = [f.config or {}, (f.record.config or {}) if f.record else {}]
    for config in sources:
        for key in keys:
            for part in (config, config.get("text_config") or {}):  # multimodal configs nest the text model's
                value = part.get(key) if isinstance(part, dict) else None
                if value not in (None, "", []):
                    return ", ".join(map(str, value)) if isinstance(value, list) else value
    return None


def _memory(precision: str) -> Callable[[ModelFacts], Scalar]:
    def get(f: ModelFacts) -> Scalar:
        if f.params is None:
            return None
        if precision == "as stored":
            return int(sum(n * DTYPE_BYTES.get(d.upper(), 4) for d, n in f.params.by_dtype.items()))
        return int(f.params.total * BYTES_PER_PARAM[precision])

    return get


def _download(weights_only: bool) -> Callable[[ModelFacts], Scalar]:
    def get(f: ModelFacts) -> Scalar:
        files = f.record.files if f.record is not None else None
        if files is None:
            return None
        chosen = [x for x in files if not weights_only or x.path.endswith(WEIGHT_SUFFIXES)]
        if any(x.size is None for x in chosen):
            return None
        return sum(x.size or 0 for x in chosen)

    return get


def _by_dtype(f: ModelFacts) -> Scalar:
    if f.params is None:
        return None
    return ", ".join(f"{dtype} {human_count(n)}" for dtype, n in sorted(f.params.by_dtype.items()))


def _base(f: ModelFacts) -> Scalar:
    return _joined([b for b, _ in f.record.base_models]) if f.record else None


def _relation(f: ModelFacts) -> Scalar:
    if f.record is None:
        return None
    relations = [r for _, r in f.record.base_models]
    return _joined(list(dict.fromkeys(relations))) if relations else "original"


def _gated(f: ModelFacts) -> Scalar:
    return f.record.is_gated if f.record is not None else None


def _remote_code(f: ModelFacts) -> Scalar:
    from lib.tryit.fit import needs_remote_code

    return needs_remote_code(f.record) if f.record is not None else None


def _fit(f: ModelFacts) -> Scalar:
    """The try-it verdict on this machine (CPU), before any download."""
    if f.record is None:
        return None
    from dataclasses import replace

    from lib.tryit.fit import check, free_ram

    report = check(replace(f.record, params=f.params or f.record.params), ram_free=free_ram())
    if report.fits is False:
        return "too large"
    if report.problems:
        return "; ".join(report.problems)
    return "yes" if report.fits else "unknown size"


ROWS: tuple[Row, ...] = (
    Row("task", "Task", _rec("pipeline_tag")),
    Row("library", "Library", _rec("library_name")),
    Row("license", "License", lambda f: _joined(f.record.licenses) if f.record else None),
    Row("gated", "Gated", _gated, "bool"),
    Row("parameters", "Parameters", lambda f: f.params.total if f.params else None, "count", needs="parameters",
        group="Size"),
    Row("parameters_by_dtype", "Parameters by dtype", _by_dtype, needs="parameters", group="Size"),
    Row("memory_as_stored", "Memory at its dtype", _memory("as stored"), "bytes", "lower", "parameters", "Size"),
    Row("memory_fp16", "Memory in fp16", _memory("fp16 / bf16"), "bytes", "lower", "parameters", "Size"),
    Row("memory_int8", "Memory in int8", _memory("int8"), "bytes", "lower", "parameters", "Size"),
    Row("memory_int4", "Memory in int4", _memory("int4"), "bytes", "lower", "parameters", "Size"),
    Row("download_weights", "Download (weights)", _download(True), "bytes", "lower", "files", "Size"),
    Row("download_all", "Download (all files)", _download(False), "bytes", "lower", "files", "Size"),
    Row("context_length", "Context length", lambda f: _config(f, *CONTEXT_KEYS), "count", "higher", "config",
        "Architecture"),
    Row("sliding_window", "Sliding window", lambda f: _config(f, "sliding_window"), "count", None, "config",
        "Architecture"),
    Row("architecture", "Architecture", lambda f: _config(f, "architectures"), needs="config", group="Architecture"),
    Row("model_type", "Model type", lambda f: _config(f, "model_type"), needs="config", group="Architecture"),
    Row("base_model", "Base model", _base, group="Lineage"),
    Row("relation", "Relation to its base", _relation, group="Lineage"),
    Row("created", "Created", lambda f: _date(f.record.created_at) if f.record else None, "date", group="Activity"),
    Row("updated", "Last updated", lambda f: _date(f.record.last_modified) if f.record else None, "date",
        group="Activity"),
    Row("downloads", "Downloads (30 days)", _rec("downloads"), "count", "higher", group="Activity"),
    Row("downloads_all_time", "Downloads (all time)", _rec("downloads_all_time"), "count", "higher",
        group="Activity"),
    Row("likes", "Likes", _rec("likes"), "count", "higher", group="Activity"),
    Row("trending", "Trending score", _rec("trending_score"), "score", "higher", group="Activity"),
    Row("datasets", "Training datasets", lambda f: _joined(f.record.datasets) if f.record else None,
        group="Data"),
    Row("languages", "Languages", lambda f: _joined(f.record.languages) if f.record else None, group="Data"),
    Row("remote_code", "Needs remote code", _remote_code, "bool", group="Running"),
    Row("fits", "Will it run here?", _fit, group="Running"),
)
ROW_FIELDS = tuple(r.field for r in ROWS)


# --- evaluation results -------------------------------------------------------------------------------------------


def eval_results(f: ModelFacts) -> dict[tuple[str, str], float]:
    """(dataset, metric) -> value from the card's `model-index` (the first value reported for each pair)."""
    if f.record is None:
        return {}
    index = f.record.card_data.get("model-index") or f.record.card_data.get("model_index") or []
    found: dict[tuple[str, str], float] = {}
    for entry in index if isinstance(index, list) else []:
        for result in (entry.get("results") or []) if isinstance(entry, dict) else []:
            if not isinstance(result, dict):
                continue
            dataset = result.get("dataset") or {}
            name = str(dataset.get("name") or dataset.get("type") or "?") if isinstance(dataset, dict) else "?"
            split = dataset.get("split") if isinstance(dataset, dict) else None
            where = f"{name} ({split})" if split else name
            for metric in result.get("metrics") or []:
                if not isinstance(metric, dict):
                    continue
                value = metric.get("value")
                if isinstance(value, str):
                    try:
                        value = float(value.rstrip("%"))
                    except ValueError:
                        continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    label = str(metric.get("name") or metric.get("type") or "?")
                    found.setdefault((where, label), float(value))
    return found


def _eval_rows(facts: list[ModelFacts]) -> list[Row]:
    per_model = [eval_results(f) for f in facts]
    keys = list(dict.fromkeys(k for results in per_model for k in results))
    rows = []
    for dataset, metric in keys:
        lower = metric.lower().replace(" ", "_") in LOWER_IS_BETTER or metric.lower().split()[0] in LOWER_IS_BETTER
        rows.append(Row(
            f"eval:{dataset}:{metric}", f"{metric} on {dataset}",
            lambda f, key=(dataset, metric): eval_results(f).get(key), "score", "lower" if lower else "higher",
            group="Evaluation (from the cards)",
        ))
    return rows


# --- the comparison -----------------------------------------------------------------------------------------------


def _best(values: list[Scalar], better: Better) -> tuple[int, ...]:
    known = [(i, v) for i, v in enumerate(values) if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if better is None or len(known) < 2 or len({v for _, v in known}) < 2:
        return ()
    target = max(v for _, v in known) if better == "higher" else min(v for _, v in known)
    return tuple(i for i, v in known if v == target)


def compare(facts: list[ModelFacts], *, prefer_small: bool | None = None) -> Comparison:
    """Every row for every model that could be read. `prefer_small`: parameters rank fewer-is-better (True),
    more-is-better (False), or not at all (None)."""
    readable = [f for f in facts if f.ok]
    rows: list[ComparedRow] = []
    for row in (*ROWS, *_eval_rows(readable)):
        better = row.better
        if row.field == "parameters" and prefer_small is not None:
            better = "lower" if prefer_small else "higher"
        cells = []
        for f in readable:
            value = row.get(f)
            reason = None
            if value is None:
                reason = f.reasons.get(row.needs or "") or _default_reason(row, f)
            cells.append(Cell(value, reason))
        values = [c.value for c in cells]
        rows.append(ComparedRow(
            field=row.field, label=row.label, group=row.group, format=row.format, better=better,
            cells=tuple(cells), differs=len({repr(v) for v in values}) > 1, best=_best(values, better),
        ))
    return Comparison(
        models=tuple(f.id for f in readable), rows=tuple(rows),
        errors={f.id: f"{f.error.title}: {f.error}" for f in facts if f.error is not None},
    )


def _default_reason(row: Row, f: ModelFacts) -> str:
    if row.field.startswith("eval:"):
        return "its card reports no such result"
    if row.field in ("downloads_all_time", "trending"):
        return "the source did not give it"
    return "not stated for this model"


# --- exports ------------------------------------------------------------------------------------------------------


def show(value: Scalar, fmt: Format) -> str:
    """A value as a person reads it (a dash when unknown)."""
    if value is None:
        return "–"
    if fmt == "bool":
        return "yes" if value else "no"
    if fmt == "bytes" and isinstance(value, (int, float)):
        return human_bytes(value)
    if fmt == "count" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return human_count(value) if value >= 10_000 else f"{value:,}"
    if fmt == "score" and isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def to_csv(comparison: Comparison, endpoint: str) -> str:
    """One line per fact (raw values), a header of model ids and a line of their links."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["field", "label", *comparison.models, "differs"])
    writer.writerow(["url", "Link", *(repo_web_url("models", m, endpoint) for m in comparison.models), ""])
    for row in comparison.rows:
        writer.writerow([row.field, row.label, *("" if v is None else v for v in row.values), row.differs])
    return out.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(comparison: Comparison, endpoint: str, *, only_differences: bool = False) -> str:
    """A table to paste into meeting notes: models as linked column heads, the best value of a row in bold,
    values that differ from the first model's in italics."""
    heads = [f"[{_md_cell(m)}]({repo_web_url('models', m, endpoint)})" for m in comparison.models]
    lines = ["| | " + " | ".join(heads) + " |", "|---|" + "---|" * len(heads)]
    for row in comparison.rows:
        if only_differences and not row.differs:
            continue
        cells = []
        for i, cell in enumerate(row.cells):
            text = _md_cell(show(cell.value, row.format))
            cells.append(f"**{text}**" if i in row.best else text)
        lines.append(f"| {_md_cell(row.label)} | " + " | ".join(cells) + " |")
    for model, why in comparison.errors.items():
        lines.append(f"\n{_md_cell(model)} could not be read: {_md_cell(why)}")
    return "\n".join(lines) + "\n"
