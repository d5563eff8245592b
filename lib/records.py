"""Typed records for models, datasets and Spaces.

Real Hub answers omit many fields (a list item has a handful, a full `model_info` dozens), so every
field but `id` may be missing: numbers are `None` when unknown, collections empty. Records are built
from huggingface_hub's own `ModelInfo` / `DatasetInfo` / `SpaceInfo` (which map the API's camelCase
once), or from a raw API dict through those same classes (`record_from_api`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from huggingface_hub.hf_api import DatasetInfo, ModelInfo, SpaceInfo

RepoKind = Literal["models", "datasets", "spaces"]

# ISO 639-1 codes: models carry their languages as bare tags ("en"), datasets as "language:en".
ISO_639_1 = frozenset(
    ["aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh", "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu"]
)


def repo_web_url(kind: RepoKind, repo_id: str, endpoint: str = "https://huggingface.co") -> str:
    prefix = {"models": "", "datasets": "datasets/", "spaces": "spaces/"}[kind]
    return f"{endpoint.rstrip('/')}/{prefix}{repo_id}"


def _tag_values(tags: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    return tuple(t[len(prefix) :] for t in tags if t.startswith(prefix))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return []


@dataclass(frozen=True)
class FileEntry:
    """One file of a repo. `size` is in bytes when the Hub said it (`files_metadata=True`)."""

    path: str
    size: int | None = None
    lfs: bool = False


@dataclass(frozen=True)
class ParamCounts:
    """Parameter counts by dtype, as safetensors metadata gives them (`{"BF16": 7_241_732_096}`)."""

    by_dtype: dict[str, int]
    total: int

    @classmethod
    def from_mapping(cls, by_dtype: dict[str, int], total: int | None = None) -> ParamCounts:
        clean = {str(k): int(v) for k, v in by_dtype.items()}
        return cls(by_dtype=clean, total=int(total) if total is not None else sum(clean.values()))


@dataclass(frozen=True, kw_only=True)
class RepoRecord:
    """Fields every repo kind shares."""

    id: str
    kind: RepoKind
    author: str | None = None
    sha: str | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    private: bool | None = None
    gated: bool | str | None = None  # False, "auto" or "manual", as the API sends it
    disabled: bool | None = None
    downloads: int | None = None
    downloads_all_time: int | None = None
    likes: int | None = None
    trending_score: float | None = None
    tags: tuple[str, ...] = ()
    card_data: dict[str, Any] = field(default_factory=dict)
    files: tuple[FileEntry, ...] | None = None  # None: not asked for; () : the repo has no files

    @property
    def namespace(self) -> str | None:
        """The part of the id before `/` (the author); None for legacy ids without one."""
        return self.id.split("/", 1)[0] if "/" in self.id else None

    @property
    def owner(self) -> str | None:
        return self.author or self.namespace

    @property
    def is_gated(self) -> bool:
        return bool(self.gated) and self.gated != "false"

    @property
    def licenses(self) -> tuple[str, ...]:
        """Every license the repo declares (tags `license:x`, then the card's `license`), without repeats."""
        found = list(_tag_values(self.tags, "license:")) + _as_list(self.card_data.get("license"))
        return tuple(dict.fromkeys(found))

    @property
    def languages(self) -> tuple[str, ...]:
        found = list(_tag_values(self.tags, "language:"))
        if self.kind == "models":
            found += [t for t in self.tags if t in ISO_639_1]
        found += _as_list(self.card_data.get("language"))
        return tuple(dict.fromkeys(found))

    @property
    def datasets(self) -> tuple[str, ...]:
        return _tag_values(self.tags, "dataset:")

    @property
    def papers(self) -> tuple[str, ...]:
        return _tag_values(self.tags, "arxiv:")

    def web_url(self, endpoint: str = "https://huggingface.co") -> str:
        """The repo's page on the Hub at `endpoint`."""
        return repo_web_url(self.kind, self.id, endpoint)

    @property
    def total_file_size(self) -> int | None:
        """Sum of file sizes, or None when any size is unknown."""
        if not self.files or any(f.size is None for f in self.files):
            return None
        return sum(f.size or 0 for f in self.files)

    @property
    def has_card(self) -> bool | None:
        if self.files is None:
            return None
        return any(f.path == "README.md" for f in self.files)


@dataclass(frozen=True, kw_only=True)
class ModelRecord(RepoRecord):
    kind: RepoKind = "models"
    pipeline_tag: str | None = None
    library_name: str | None = None
    params: ParamCounts | None = None
    config: dict[str, Any] | None = None
    transformers_info: dict[str, Any] | None = None
    spaces: tuple[str, ...] = ()
    widget_data: list[Any] | None = None  # the card's widget examples, as the Hub sends them (outside text)
    mask_token: str | None = None  # the tokenizer's mask token, for fill-mask models

    @property
    def has_chat_template(self) -> bool:
        """An instruct or chat model: its tokenizer config has a chat template (the Hub gives that config in the
        API's ``config``, under ``tokenizer_config``)."""
        tokenizer = (self.config or {}).get("tokenizer_config")
        return isinstance(tokenizer, dict) and bool(tokenizer.get("chat_template"))

    @property
    def base_models(self) -> tuple[tuple[str, str], ...]:
        """(base model id, relation) pairs from `base_model:` tags; relation is e.g. "finetune", "quantized"."""
        pairs: list[tuple[str, str]] = []
        for value in _tag_values(self.tags, "base_model:"):
            relation, sep, base = value.partition(":")
            if sep and relation in {"finetune", "quantized", "adapter", "merge"}:
                pairs.append((base, relation))
            elif not any(b == value for b, _ in pairs):
                pairs.append((value, "derived"))
        # "base_model:x" and "base_model:finetune:x" both appear on the Hub: keep the precise one.
        precise = {b for b, r in pairs if r != "derived"}
        return tuple(p for p in pairs if not (p[1] == "derived" and p[0] in precise))


@dataclass(frozen=True, kw_only=True)
class DatasetRecord(RepoRecord):
    kind: RepoKind = "datasets"
    description: str | None = None
    citation: str | None = None

    @property
    def task_categories(self) -> tuple[str, ...]:
        return _tag_values(self.tags, "task_categories:")

    @property
    def size_categories(self) -> tuple[str, ...]:
        return _tag_values(self.tags, "size_categories:")


@dataclass(frozen=True, kw_only=True)
class SpaceRecord(RepoRecord):
    kind: RepoKind = "spaces"
    sdk: str | None = None
    stage: str | None = None  # RUNNING, SLEEPING, BUILDING, RUNTIME_ERROR, ...
    error_message: str | None = None  # what the Hub says went wrong (its runtime's "errorMessage"), in an error stage
    hardware: str | None = None
    models: tuple[str, ...] = ()
    datasets_used: tuple[str, ...] = ()
    subdomain: str | None = None
    host: str | None = None

    @property
    def app_url(self) -> str | None:
        """The running app's own URL (what the Hub embeds), when known."""
        if self.host:
            return self.host
        if self.subdomain:
            return f"https://{self.subdomain}.hf.space"
        return None


def _files(info: ModelInfo | DatasetInfo | SpaceInfo) -> tuple[FileEntry, ...] | None:
    siblings = getattr(info, "siblings", None)
    if siblings is None:
        return None
    return tuple(
        FileEntry(path=s.rfilename, size=(s.lfs.size if s.lfs else s.size), lfs=s.lfs is not None) for s in siblings
    )


def _card(info: ModelInfo | DatasetInfo | SpaceInfo) -> dict[str, Any]:
    card = getattr(info, "card_data", None)
    if card is None:
        return {}
    return card.to_dict() if hasattr(card, "to_dict") else dict(card)


def _common(info: ModelInfo | DatasetInfo | SpaceInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "author": getattr(info, "author", None),
        "sha": getattr(info, "sha", None),
        "created_at": getattr(info, "created_at", None),
        "last_modified": getattr(info, "last_modified", None),
        "private": getattr(info, "private", None),
        "gated": getattr(info, "gated", None),
        "disabled": getattr(info, "disabled", None),
        "downloads": getattr(info, "downloads", None),
        "downloads_all_time": getattr(info, "downloads_all_time", None),
        "likes": getattr(info, "likes", None),
        "trending_score": getattr(info, "trending_score", None),
        "tags": tuple(getattr(info, "tags", None) or ()),
        "card_data": _card(info),
        "files": _files(info),
    }


def model_from_info(info: ModelInfo) -> ModelRecord:
    st = info.safetensors
    params = ParamCounts.from_mapping(st.parameters, st.total) if st and st.parameters else None
    tinfo = info.transformers_info
    return ModelRecord(
        **_common(info),
        pipeline_tag=info.pipeline_tag,
        library_name=info.library_name,
        params=params,
        config=info.config if isinstance(info.config, dict) else None,
        transformers_info=dict(vars(tinfo)) if tinfo is not None else None,
        spaces=tuple(info.spaces or ()),
        widget_data=info.widget_data if isinstance(info.widget_data, list) else None,
        mask_token=info.mask_token if isinstance(info.mask_token, str) else None,
    )


def dataset_from_info(info: DatasetInfo) -> DatasetRecord:
    return DatasetRecord(
        **_common(info),
        description=getattr(info, "description", None),
        citation=getattr(info, "citation", None),
    )


def _error_message(runtime: Any) -> str | None:
    """The Hub's message about a failed Space (huggingface_hub keeps the runtime's answer as `raw`; the message is
    its ``errorMessage``), or None."""
    raw = getattr(runtime, "raw", None)
    message = raw.get("errorMessage") if isinstance(raw, dict) else None
    return (message.strip() or None) if isinstance(message, str) else None


def space_from_info(info: SpaceInfo) -> SpaceRecord:
    runtime = info.runtime
    hardware = None
    if runtime is not None:
        hardware = runtime.hardware or runtime.requested_hardware
    return SpaceRecord(
        **_common(info),
        sdk=info.sdk,
        stage=str(runtime.stage) if runtime is not None and runtime.stage else None,
        error_message=_error_message(runtime),
        hardware=str(hardware) if hardware else None,
        models=tuple(info.models or ()),
        datasets_used=tuple(info.datasets or ()),
        subdomain=getattr(info, "subdomain", None),
        host=getattr(info, "host", None),
    )


def record_from_info(info: ModelInfo | DatasetInfo | SpaceInfo) -> RepoRecord:
    if isinstance(info, ModelInfo):
        return model_from_info(info)
    if isinstance(info, DatasetInfo):
        return dataset_from_info(info)
    return space_from_info(info)


_INFO_CLASSES = {"models": ModelInfo, "datasets": DatasetInfo, "spaces": SpaceInfo}


def record_from_api(kind: RepoKind, item: dict[str, Any]) -> RepoRecord:
    """A record from one raw API item (list or full form), parsed by huggingface_hub's own classes."""
    item = dict(item)
    item.setdefault("siblings", None)
    return record_from_info(_INFO_CLASSES[kind](**item))
