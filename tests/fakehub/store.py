"""The fake Hub's data: repos built from fixture records or folders, and the list/info logic of the real API.

A *record* is one repo in the shape of the real ``GET /api/{models,datasets,spaces}/{id}`` response (the full form,
with ``siblings``, ``cardData``, ``sha``...). Fixture records may carry two extras the API computes elsewhere:

* ``siblings[].size``: the size of a placeholder file (weights, parquet...). Files whose bytes the fake Hub generates
  (README.md, .gitattributes, config.json, tokenizer_config.json, safetensors weights and index) ignore it.
* expand-only fields (``downloadsAllTime``, ``securityRepoStatus``...): returned only through ``expand``.

Everything a client sees about a file (``blobs=true`` siblings, tree entries, resolve headers) comes from the same
:class:`~tests.fakehub.content.FileEntry`, so sizes and hashes always agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .content import (
    GITATTRIBUTES,
    BytesContent,
    Content,
    DiskContent,
    FileEntry,
    PlaceholderContent,
    SafetensorsContent,
    TensorSpec,
    plan_tensors,
)

__all__ = ["DEFAULT_FIXTURES_DIR", "KINDS", "ApiError", "Repo", "RepoStore", "Viewer"]

DEFAULT_FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "hub"

#: URL plural → singular repo type.
KINDS: dict[str, str] = {"models": "model", "datasets": "dataset", "spaces": "space"}

LIST_FIELDS: dict[str, tuple[str, ...]] = {
    "model": (
        "_id",
        "id",
        "likes",
        "trendingScore",
        "private",
        "downloads",
        "tags",
        "pipeline_tag",
        "library_name",
        "createdAt",
        "modelId",
    ),
    "dataset": (
        "_id",
        "id",
        "author",
        "sha",
        "lastModified",
        "private",
        "gated",
        "disabled",
        "downloads",
        "likes",
        "tags",
        "citation",
        "description",
        "paperswithcode_id",
        "trendingScore",
        "createdAt",
        "key",
    ),
    "space": ("_id", "id", "likes", "trendingScore", "private", "sdk", "tags", "createdAt"),
}
#: Extra fields of list items with ``full=true``.
FULL_FIELDS: dict[str, tuple[str, ...]] = {
    "model": ("author", "sha", "lastModified", "gated", "disabled", "siblings"),
    "dataset": ("cardData", "siblings"),
    "space": (
        "author",
        "sha",
        "lastModified",
        "gated",
        "disabled",
        "cardData",
        "siblings",
        "runtime",
        "models",
        "datasets",
        "subdomain",
        "host",
    ),
}
#: Fields present only in list items, never in the info response.
LIST_ONLY_FIELDS = frozenset({"key"})
#: Fields the info response omits unless asked for through ``expand``.
EXPAND_ONLY_FIELDS = frozenset(
    {
        "downloadsAllTime",
        "usedStorage",
        "baseModels",
        "childrenModelCount",
        "resourceGroup",
        "evalResults",
        "inferenceProviderMapping",
        "mainSize",
        "securityRepoStatus",
    }
)
#: Allowed ``expand`` values, as in huggingface_hub's ``Expand*Property_T``.
EXPAND_FIELDS: dict[str, frozenset[str]] = {
    "model": frozenset(
        {
            "author",
            "baseModels",
            "cardData",
            "childrenModelCount",
            "config",
            "createdAt",
            "disabled",
            "downloads",
            "downloadsAllTime",
            "evalResults",
            "gated",
            "gguf",
            "inference",
            "inferenceProviderMapping",
            "lastModified",
            "library_name",
            "likes",
            "mask_token",
            "model-index",
            "pipeline_tag",
            "private",
            "resourceGroup",
            "safetensors",
            "sha",
            "siblings",
            "spaces",
            "tags",
            "transformersInfo",
            "trendingScore",
            "usedStorage",
            "widgetData",
        }
    ),
    "dataset": frozenset(
        {
            "author",
            "cardData",
            "citation",
            "createdAt",
            "description",
            "disabled",
            "downloads",
            "downloadsAllTime",
            "gated",
            "lastModified",
            "likes",
            "mainSize",
            "paperswithcode_id",
            "private",
            "resourceGroup",
            "sha",
            "siblings",
            "tags",
            "trendingScore",
            "usedStorage",
        }
    ),
    "space": frozenset(
        {
            "author",
            "cardData",
            "createdAt",
            "datasets",
            "disabled",
            "lastModified",
            "likes",
            "models",
            "private",
            "region",
            "resourceGroup",
            "runtime",
            "sdk",
            "sha",
            "siblings",
            "subdomain",
            "tags",
            "trendingScore",
            "usedStorage",
        }
    ),
}
SORT_FIELDS = ("trendingScore", "downloads", "likes", "createdAt", "lastModified")
#: Query parameters of ``/api/datasets`` that filter on ``{param}:{value}`` tags.
DATASET_TAG_PARAMS = (
    "task_categories",
    "task_ids",
    "size_categories",
    "language",
    "language_creators",
    "multilinguality",
    "license",
    "benchmark",
    "modality",
    "format",
)
MAX_LIMIT = 1000
HUGE_CARD_MARKER = re.compile(r"<!--\s*fakehub:expand-to-bytes\s+(\d+)\s*-->")
_SHARD_RE = re.compile(r"^model-(\d{5})-of-(\d{5})\.safetensors$")


class ApiError(Exception):
    """An error answer: status, message and the ``X-Error-Code`` huggingface_hub maps to an exception class."""

    def __init__(
        self, status: int, message: str, error_code: str | None = None, headers: Mapping[str, str] | None = None,
        *, extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})  # more fields of the JSON body (a 409's existing "slug")


@dataclass(frozen=True)
class Viewer:
    """Who is asking: anonymous, or the owner of a valid token."""

    token: str | None = None
    user: Mapping[str, Any] | None = None
    gated_access: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user is not None

    @property
    def namespaces(self) -> frozenset[str]:
        if self.user is None:
            return frozenset()
        names = {str(self.user.get("name", ""))}
        names.update(str(org.get("name", "")) for org in self.user.get("orgs", []) or [])
        return frozenset(n for n in names if n)


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _object_id(created_at: str | None, seed: str) -> str:
    """A MongoDB-style ``_id`` whose leading timestamp matches ``createdAt``, as the Hub's do."""
    try:
        moment = dt.datetime.strptime((created_at or "")[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
        stamp = int(moment.timestamp())
    except ValueError:
        stamp = 0x65000000
    return f"{stamp:08x}{_hex(seed, 16)}"


def card_file_name(repo_id: str) -> str:
    """``org/name`` → ``org__name.md``: the card file of a repo under ``cards/{kind}s/``."""
    return repo_id.replace("/", "__") + ".md"


def _yaml_scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def card_from_card_data(repo_id: str, card_data: Mapping[str, Any] | None) -> str:
    """A minimal README.md when a repo lists one but no card file exists (front matter in YAML's JSON subset)."""
    lines = ["---"]
    for key, value in (card_data or {}).items():
        lines.append(f"{key}: {_yaml_scalar(value)}")
    lines += ["---", "", f"# {repo_id.rsplit('/', 1)[-1]}", "", "This card was generated by the fake Hub.", ""]
    return "\n".join(lines)


def expand_huge_card(text: str) -> str:
    """Replace a ``<!-- fakehub:expand-to-bytes N -->`` marker with filler sections until the card is N bytes."""
    match = HUGE_CARD_MARKER.search(text)
    if match is None:
        return text
    target = int(match.group(1))
    before, after = text[: match.start()], text[match.end() :]
    budget = target - len((before + after).encode())
    sections: list[str] = []
    used = 0
    index = 1
    while used < budget:
        section = (
            f"\n### Appendix {index}: evaluation notes\n\n"
            f"| run | split | metric | value |\n|---|---|---|---|\n"
            + "".join(f"| {index}.{k} | validation | accuracy | {50 + (index * 7 + k) % 50}.{k} |\n" for k in range(6))
            + "\nThe numbers above are reproduced from the original training logs. "
            "Results may vary with hardware, random seeds and library versions.\n"
        )
        sections.append(section)
        used += len(section.encode())
        index += 1
    return before + "".join(sections) + after


def _parse_number_with_suffix(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    return int(float(number) * factor)


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Repo:
    """One repo: its record (API full form), its files, and derived data."""

    kind: str
    record: dict[str, Any]
    files: dict[str, FileEntry] = field(default_factory=dict)
    safetensors_headers: dict[str, dict[str, Any]] = field(default_factory=dict)
    safetensors_index: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def sha(self) -> str:
        return str(self.record["sha"])

    @property
    def private(self) -> bool:
        return bool(self.record.get("private", False))

    @property
    def gated(self) -> str | bool:
        return self.record.get("gated", False) or False

    @property
    def disabled(self) -> bool:
        return bool(self.record.get("disabled", False))

    @property
    def author(self) -> str:
        return str(self.record.get("author") or (self.id.split("/", 1)[0] if "/" in self.id else ""))

    @property
    def tags(self) -> list[str]:
        return list(self.record.get("tags") or [])

    def used_storage(self) -> int:
        return sum(entry.size for entry in self.files.values())

    def resolve_revision(self, revision: str) -> str:
        """The commit sha for ``revision`` (``main``, the sha, or a prefix of it of at least 7 characters)."""
        if revision in ("main", "refs/heads/main") or revision == self.sha:
            return self.sha
        if len(revision) >= 7 and self.sha.startswith(revision):
            return self.sha
        raise ApiError(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    # -- projections -------------------------------------------------------------------------------------------

    def sibling(self, entry: FileEntry, blobs: bool) -> dict[str, Any]:
        item: dict[str, Any] = {"rfilename": entry.path}
        if blobs:
            item["blobId"] = entry.oid
            item["size"] = entry.size
            lfs = entry.lfs_info_sibling()
            if lfs is not None:
                item["lfs"] = lfs
        return item

    def field_value(self, name: str, store: RepoStore, *, blobs: bool = False) -> tuple[bool, Any]:
        """``(present, value)`` of one API field, computing the derived ones."""
        if name == "siblings":
            return True, [self.sibling(entry, blobs) for entry in self.files.values()]
        if name == "usedStorage" and "usedStorage" not in self.record:
            return True, self.used_storage()
        if name == "baseModels" and self.kind == "model" and "baseModels" not in self.record:
            base = store.base_models(self)
            return (base is not None), base
        if name == "childrenModelCount" and self.kind == "model" and "childrenModelCount" not in self.record:
            return True, store.children_count(self.id)
        if name == "securityRepoStatus" and "securityRepoStatus" not in self.record:
            return True, {"scansDone": True, "filesWithIssues": []}
        if name in self.record:
            return True, self.record[name]
        return False, None

    def info(self, store: RepoStore, *, expand: list[str] | None, blobs: bool, security: bool) -> dict[str, Any]:
        """The ``GET /api/{kind}s/{id}`` body."""
        if expand:
            return self.expanded(store, expand, blobs=blobs)
        out: dict[str, Any] = {}
        for key in self.record:
            if key in EXPAND_ONLY_FIELDS or key in LIST_ONLY_FIELDS:
                continue
            present, value = self.field_value(key, store, blobs=blobs)
            if present:
                out[key] = value
        if "siblings" not in out:
            out["siblings"] = self.field_value("siblings", store, blobs=blobs)[1]
        if security:
            out["securityRepoStatus"] = self.field_value("securityRepoStatus", store)[1]
        return out

    def expanded(self, store: RepoStore, expand: Iterable[str], *, blobs: bool = False) -> dict[str, Any]:
        """``_id``, ``id`` and exactly the expanded fields the repo has."""
        out: dict[str, Any] = {"_id": self.record.get("_id"), "id": self.id}
        for name in expand:
            present, value = self.field_value(name, store, blobs=blobs)
            if present:
                out[name] = value
        return out

    def list_item(self, store: RepoStore, *, full: bool, card_data: bool, config: bool) -> dict[str, Any]:
        """One item of ``GET /api/{kind}s`` (default, ``full``, ``cardData`` and ``config`` forms)."""
        names = list(LIST_FIELDS[self.kind])
        if full:
            names += [n for n in FULL_FIELDS[self.kind] if n not in names]
        if card_data and "cardData" not in names:
            names.append("cardData")
        if config and self.kind == "model":
            names.append("config")
        out: dict[str, Any] = {}
        for name in names:
            present, value = self.field_value(name, store)
            if present:
                out[name] = value
        return out


class RepoStore:
    """All repos of the fake Hub, with the list-endpoint logic (filters, sort) of the real API."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._repos: dict[tuple[str, str], Repo] = {}
        self.tokens: dict[str, dict[str, Any]] = {}

    # -- loading -----------------------------------------------------------------------------------------------

    def load_fixtures(self, directory: Path) -> None:
        """Load ``models.json``, ``datasets.json``, ``spaces.json``, ``tokens.json`` and ``cards/`` from a folder."""
        cards_root = directory / "cards"
        for plural, kind in KINDS.items():
            path = directory / f"{plural}.json"
            if not path.exists():
                continue
            records = json.loads(path.read_text(encoding="utf-8"))
            card_dir = cards_root / plural
            card_index = _card_index(card_dir)
            for record in records:
                card_path = card_index.get(unicodedata.normalize("NFC", card_file_name(record["id"])))
                card = card_path.read_text(encoding="utf-8") if card_path is not None else None
                self.add_record(kind, record, card=card)
        tokens_path = directory / "tokens.json"
        if tokens_path.exists():
            for entry in json.loads(tokens_path.read_text(encoding="utf-8"))["tokens"]:
                self.tokens[entry["token"]] = entry

    def add_record(
        self,
        kind: str,
        record: Mapping[str, Any],
        *,
        card: str | None = None,
        files: Mapping[str, bytes | str | int | Path] | None = None,
    ) -> Repo:
        """Add (or replace) a repo from an API-shaped record.

        ``card`` is the README.md text (generated from ``cardData`` when the record lists README.md without one).
        ``files`` adds or overrides files: bytes/str content, an int size (placeholder bytes) or a Path on disk.
        """
        record = _complete_record(kind, dict(record))
        repo = Repo(kind=kind, record=record)
        seed = f"{kind}:{repo.id}"
        siblings = list(record.get("siblings") or [])
        extra = dict(files or {})
        names = [s["rfilename"] for s in siblings] + [p for p in extra if p not in {s["rfilename"] for s in siblings}]
        sizes = {s["rfilename"]: s.get("size") for s in siblings}
        shards = sorted(p for p in names if _SHARD_RE.match(p))
        shard_contents = self._build_safetensors(repo, names, shards)
        for path in names:
            content: Content
            if path in extra:
                content = _content_from_value(seed, path, extra[path])
            elif path in shard_contents:
                content = shard_contents[path]
            else:
                content = self._generated_content(repo, path, card) or _placeholder(seed, path, sizes.get(path))
            repo.files[path] = FileEntry(path=path, content=content, seed=seed)
        # The record's siblings are rebuilt from the files (blobs=true data is computed from them).
        record["siblings"] = [{"rfilename": p} for p in repo.files]
        with self._lock:
            self._repos[(kind, repo.id)] = repo
        return repo

    def add_local_repo(self, kind: str, repo_id: str, path: Path, **overrides: Any) -> Repo:
        """Serve every file of the folder ``path`` as repo ``repo_id`` (``.git`` excluded)."""
        root = Path(path).resolve()
        if not root.is_dir():
            raise NotADirectoryError(root)
        disk_files: dict[str, Path] = {}
        for file_path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = file_path.relative_to(root).as_posix()
            if relative.split("/", 1)[0] not in {".git", ".cache"}:
                disk_files[relative] = file_path
        newest = max((p.stat().st_mtime for p in disk_files.values()), default=0.0)
        digest = hashlib.sha1()
        for relative, file_path in disk_files.items():
            size = file_path.stat().st_size
            digest.update(f"{relative}\0{size}\0".encode())
            digest.update(file_path.read_bytes() if size <= 1 << 20 else b"")
        modified = dt.datetime.fromtimestamp(newest, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        record: dict[str, Any] = {
            "id": repo_id,
            "sha": digest.hexdigest(),
            "lastModified": modified,
            "createdAt": modified,
        }
        if kind == "model" and "config.json" in disk_files:
            try:
                config = json.loads(disk_files["config.json"].read_text(encoding="utf-8"))
                record["config"] = {k: config[k] for k in ("architectures", "model_type") if k in config}
                record["library_name"] = "transformers"
            except (ValueError, OSError):
                pass
            template = _chat_template(disk_files)
            if template is not None and isinstance(record.get("config"), dict):
                # the real Hub puts the tokenizer config's chat template in the API's config
                record["config"]["tokenizer_config"] = {"chat_template": template}
        if "README.md" in disk_files:
            card_data = _front_matter(disk_files["README.md"].read_text(encoding="utf-8", errors="replace"))
            if card_data is not None:
                record["cardData"] = card_data
        record.update(overrides)
        if "tags" not in overrides:
            model_type = (record.get("config") or {}).get("model_type")
            candidates = [record.get("library_name"), model_type, record.get("pipeline_tag")]
            license_ = (record.get("cardData") or {}).get("license")
            tags = [t for t in candidates if isinstance(t, str)]
            tags += [f"license:{license_}"] if isinstance(license_, str) else []
            record["tags"] = [*dict.fromkeys(tags), "region:us"]
        record["siblings"] = [{"rfilename": p} for p in disk_files]
        files: dict[str, bytes | str | int | Path] = dict(disk_files)
        return self.add_record(kind, record, files=files)

    def _generated_content(self, repo: Repo, path: str, card: str | None) -> Content | None:
        record = repo.record
        if path == "README.md":
            text = card if card is not None else card_from_card_data(repo.id, record.get("cardData"))
            return BytesContent(expand_huge_card(text).encode("utf-8"))
        if path == ".gitattributes":
            return BytesContent(GITATTRIBUTES.encode())
        config = record.get("config")
        if repo.kind == "model" and isinstance(config, dict):
            if path == "config.json":
                body = {k: v for k, v in config.items() if k != "tokenizer_config"}
                return BytesContent((json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode())
            if path == "tokenizer_config.json" and isinstance(config.get("tokenizer_config"), dict):
                body = config["tokenizer_config"]
                return BytesContent((json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode())
        if path == "model.safetensors.index.json" and repo.safetensors_index is not None:
            return BytesContent((json.dumps(repo.safetensors_index, indent=2) + "\n").encode())
        if path == "model.safetensors" and isinstance(record.get("safetensors"), dict):
            content = SafetensorsContent(plan_tensors(record["safetensors"]["parameters"]))
            repo.safetensors_headers[path] = _header_dict(content)
            return content
        if path.endswith(".safetensors"):
            return None  # sized placeholder safetensors, built by _placeholder
        return None

    def _build_safetensors(self, repo: Repo, names: list[str], shards: list[str]) -> dict[str, Content]:
        """Shards ``model-0000i-of-0000n.safetensors`` holding the record's parameter counts, and their index."""
        info = repo.record.get("safetensors")
        if not shards or not isinstance(info, dict) or "model.safetensors.index.json" not in names:
            return {}
        tensors = plan_tensors(info["parameters"], tensors_per_dtype=max(24, 3 * len(shards)))
        total_bytes = sum(t.nbytes for t in tensors)
        count = len(shards)
        groups: list[list[TensorSpec]] = [[] for _ in shards]
        running = 0
        for tensor in tensors:  # contiguous split, balanced by bytes
            groups[min(count - 1, running * count // max(total_bytes, 1))].append(tensor)
            running += tensor.nbytes
        if any(not group for group in groups):  # tiny models: balance by tensor count instead
            per = -(-len(tensors) // count)
            groups = [tensors[i * per : (i + 1) * per] for i in range(count)]
        contents: dict[str, Content] = {}
        weight_map: dict[str, str] = {}
        for shard, group in zip(shards, groups, strict=True):
            content = SafetensorsContent(group)
            contents[shard] = content
            repo.safetensors_headers[shard] = _header_dict(content)
            for tensor in group:
                weight_map[tensor.name] = shard
        repo.safetensors_index = {
            "metadata": {"total_size": total_bytes},
            "weight_map": dict(sorted(weight_map.items())),
        }
        return contents

    # -- lookup ------------------------------------------------------------------------------------------------

    def get(self, kind: str, repo_id: str) -> Repo | None:
        with self._lock:
            return self._repos.get((kind, repo_id))

    def all(self, kind: str) -> list[Repo]:
        with self._lock:
            return [repo for (k, _), repo in self._repos.items() if k == kind]

    def viewer_for(self, token: str | None) -> Viewer | None:
        """The viewer for a bearer token; None when the token is unknown (anonymous when no token)."""
        if token is None:
            return Viewer()
        entry = self.tokens.get(token)
        if entry is None:
            return None
        return Viewer(token=token, user=entry.get("whoami", {}), gated_access=bool(entry.get("gatedAccess", True)))

    def can_see(self, repo: Repo, viewer: Viewer) -> bool:
        return not repo.private or repo.author in viewer.namespaces

    def base_models(self, repo: Repo) -> dict[str, Any] | None:
        """``baseModels`` from ``base_model:`` tags: ``{"relation": ..., "models": [{"id": ...}]}``."""
        relation = None
        models: list[str] = []
        for tag in repo.tags:
            if not tag.startswith("base_model:"):
                continue
            rest = tag[len("base_model:") :]
            head, _, tail = rest.partition(":")
            if tail and head in {"adapter", "finetune", "merge", "quantized"}:
                relation = relation or head
                if tail not in models:
                    models.append(tail)
            elif rest not in models:
                models.append(rest)
        if not models:
            return None
        return {"relation": relation or "finetune", "models": [{"id": m} for m in models]}

    def children_count(self, repo_id: str) -> int:
        needle = f"base_model:{repo_id}"
        return sum(1 for repo in self.all("model") if needle in repo.tags)

    # -- listing -----------------------------------------------------------------------------------------------

    def search(self, kind: str, query: Mapping[str, list[str]], viewer: Viewer) -> list[Repo]:
        """Repos of ``kind`` matching the list endpoint's query, sorted as the real API sorts them."""
        repos = [repo for repo in self.all(kind) if self.can_see(repo, viewer)]
        for predicate in _predicates(kind, query):
            repos = [repo for repo in repos if predicate(repo)]
        sort = (query.get("sort") or [""])[-1]
        if sort:
            if sort not in SORT_FIELDS:
                raise ApiError(400, f'"sort" must be one of [{", ".join(SORT_FIELDS)}]', "BadRequest")
            repos.sort(key=lambda repo: repo.id)
            repos.sort(key=lambda repo: _sort_value(repo.record.get(sort)), reverse=True)
        return repos


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))


def _predicates(kind: str, query: Mapping[str, list[str]]) -> list[Any]:
    predicates: list[Any] = []

    def values(name: str) -> list[str]:
        out: list[str] = []
        for raw in query.get(name, []):
            out += [v for v in raw.split(",") if v] if name not in ("search",) else [raw]
        return out

    for term in query.get("search", []):
        needle = term.lower()
        predicates.append(lambda repo, needle=needle: needle in repo.id.lower())
    for author in values("author"):
        wanted_author = author.lower()
        predicates.append(lambda repo, a=wanted_author: repo.author.lower() == a)
    for tag in values("filter"):
        predicates.append(
            lambda repo, t=tag: (
                t in repo.tags or t == repo.record.get("pipeline_tag") or t == repo.record.get("library_name")
            )
        )
    for pipeline_tag in values("pipeline_tag"):
        predicates.append(lambda repo, p=pipeline_tag: repo.record.get("pipeline_tag") == p)
    for library in values("library"):
        predicates.append(lambda repo, lib=library: repo.record.get("library_name") == lib or lib in repo.tags)
    for gated in query.get("gated", [])[-1:]:
        wanted = _truthy(gated)
        predicates.append(lambda repo, w=wanted: bool(repo.gated) == w)
    if kind == "model":
        for language in values("language"):
            predicates.append(lambda repo, x=language: x in repo.tags or f"language:{x}" in repo.tags)
        for license_ in values("license"):
            predicates.append(lambda repo, x=license_: f"license:{x.removeprefix('license:')}" in repo.tags)
        for dataset in values("trained_dataset"):
            predicates.append(lambda repo, x=dataset: f"dataset:{x.removeprefix('dataset:')}" in repo.tags)
        for bound in values("num_parameters"):
            predicates.append(_num_parameters_predicate(bound))
    if kind == "dataset":
        for param in DATASET_TAG_PARAMS:
            for value in values(param):
                tag = value if value.startswith(f"{param}:") else f"{param}:{value}"
                predicates.append(lambda repo, t=tag: t in repo.tags)
    if kind == "space":
        for sdk in values("sdk"):
            predicates.append(lambda repo, s=sdk: repo.record.get("sdk") == s)
        for model in values("models"):
            predicates.append(lambda repo, m=model: m in (repo.record.get("models") or []))
        for dataset in values("datasets"):
            predicates.append(lambda repo, d=dataset: d in (repo.record.get("datasets") or []))
        if any(_truthy(v) for v in query.get("linked", [])):
            predicates.append(lambda repo: bool(repo.record.get("models") or repo.record.get("datasets")))
    return predicates


def _num_parameters_predicate(bound: str) -> Any:
    low, high = 0, None
    for part in bound.replace(";", ",").split(","):
        name, _, number = part.partition(":")
        if name.strip() == "min" and number:
            low = _parse_number_with_suffix(number)
        elif name.strip() == "max" and number:
            high = _parse_number_with_suffix(number)

    def predicate(repo: Repo) -> bool:
        total = (repo.record.get("safetensors") or {}).get("total")
        if total is None:
            return False
        return total >= low and (high is None or total <= high)

    return predicate


def _complete_record(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """Fill the fields every Hub record has (``_id``, ``sha``, ``author``...) when a record leaves them out."""
    repo_id = record["id"]
    seed = f"{kind}:{repo_id}"
    created = record.get("createdAt") or iso_now()
    defaults: dict[str, Any] = {
        "_id": _object_id(created, seed),
        "id": repo_id,
        "author": repo_id.split("/", 1)[0] if "/" in repo_id else None,
        "sha": _hex("sha:" + seed, 40),
        "lastModified": record.get("lastModified") or created,
        "private": False,
        "gated": False,
        "disabled": False,
        "downloads": 0,
        "likes": 0,
        "tags": [],
        "createdAt": created,
    }
    if kind == "model":
        defaults["modelId"] = repo_id
    if kind == "space":
        subdomain = re.sub(r"[^a-z0-9]+", "-", repo_id.lower()).strip("-")
        defaults.update({"sdk": "gradio", "subdomain": subdomain, "host": f"https://{subdomain}.hf.space"})
    out = {k: v for k, v in defaults.items() if k not in record and v is not None}
    out.update(record)
    # keep the Hub's key order for the common fields
    ordered: dict[str, Any] = {k: out.pop(k) for k in ("_id", "id") if k in out}
    ordered.update(out)
    return ordered


def _chat_template(disk_files: Mapping[str, Path]) -> str | None:
    """A local model folder's chat template: ``chat_template.jinja`` (transformers 5) or the tokenizer config's."""
    if "chat_template.jinja" in disk_files:
        return disk_files["chat_template.jinja"].read_text(encoding="utf-8")
    if "tokenizer_config.json" in disk_files:
        try:
            template = json.loads(disk_files["tokenizer_config.json"].read_text(encoding="utf-8")).get("chat_template")
        except (ValueError, OSError):
            return None
        return template if isinstance(template, str) else None
    return None


def _front_matter(text: str) -> dict[str, Any] | None:
    """The YAML front matter of a card as a dict, when PyYAML is importable (optional: the fake Hub is stdlib-only)."""
    match = re.match(r"^---\r?\n(.*?)\r?\n---\s*(\r?\n|$)", text, re.DOTALL)
    if match is None:
        return None
    try:
        import yaml  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _card_index(card_dir: Path) -> dict[str, Path]:
    if not card_dir.is_dir():
        return {}
    return {unicodedata.normalize("NFC", p.name): p for p in card_dir.iterdir() if p.is_file()}


def _content_from_value(seed: str, path: str, value: bytes | str | int | Path) -> Content:
    if isinstance(value, Path):
        return DiskContent(value)
    if isinstance(value, bytes):
        return BytesContent(value)
    if isinstance(value, str):
        return BytesContent(value.encode("utf-8"))
    return _placeholder(seed, path, value)


def _placeholder(seed: str, path: str, size: int | None) -> Content:
    if size is None:
        size = 64 + int(hashlib.sha256(f"{seed}:{path}".encode()).hexdigest()[:6], 16) % 4000
    if path.endswith(".safetensors"):
        return _sized_safetensors(size)
    return PlaceholderContent(f"{seed}:{path}", path, size)


def _sized_safetensors(size: int) -> Content:
    """A valid safetensors file of exactly ``size`` bytes: one U8 tensor filling the data section."""
    numel = max(0, size - 64)
    for _ in range(4):
        content = SafetensorsContent([TensorSpec("fakehub.placeholder", "U8", (numel,))])
        if content.size == size:
            return content
        numel = max(0, numel + size - content.size)
    return SafetensorsContent([TensorSpec("fakehub.placeholder", "U8", (numel,))])


def _header_dict(content: SafetensorsContent) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(content.header[8:].decode())
    return result
