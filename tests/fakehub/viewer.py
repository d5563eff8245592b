"""The fake Hub's dataset viewer: the datasets-server API (https://datasets-server.huggingface.co) under ``/viewer/``.

Point the app at it with ``HUB_EXPLORER_VIEWER_ENDPOINT=<hub.url>/viewer``. Standard library only, like the rest of
the fake Hub; answers are read from ``tests/fixtures/viewer/datasets/{id with / → __}.json``, one object per dataset
holding the real endpoints' answer bodies::

    {"is-valid": {...}, "splits": {...}, "size": {...},
     "info": {"<config>": {...}}, "first-rows": {"<config>/<split>": {...}}, "statistics": {"<config>/<split>": {...}}}

Routes (``GET``/``HEAD``; query ``dataset``, ``config``, ``split``), checked in the real service's order:

* ``/is-valid``, ``/splits`` (optional ``config``), ``/size`` (optional ``config``: the config-level shape),
  ``/info`` (``config``; without it the dataset-level shape), ``/first-rows`` and ``/statistics`` (``config`` and
  ``split``). Other paths: 404 ``Not Found``.
* Missing parameters: 422 ``MissingRequiredParameter`` ("Parameter 'dataset' is required", "Parameters 'split',
  'config' and 'dataset' are required"...).
* Authentication, as the Hub's auth check answers the real service: an unknown, private-to-others or gated dataset
  without access gives 401 ``ExternalUnauthenticatedError`` anonymously (or with an invalid token) and 404
  ``ExternalAuthenticatedError`` with a valid token; gated datasets are readable with ``hf_fake_valid_token``.
* Unsupported datasets: 501 ``NotSupportedDisabledRepositoryError`` (disabled repo), ``NotSupportedDisabledViewerError``
  (``viewer: false`` in the card), ``NotSupportedPrivateRepositoryError`` (private, without a fixture).
* A supported dataset without a fixture (the viewer "has nothing"): ``/is-valid`` answers all false, every other
  endpoint 404 ``ResponseNotFound`` "Not found."; same for a config or split absent from the fixture.
* Success answers carry ``X-Revision`` (the repo's sha); errors ``X-Error-Code`` and ``{"error": message}``.

Faults (``hub.add_fault("/viewer/first-rows", status=500)``) apply to these routes like to any other.

Repos only these tests need (a card with ``viewer: false``; real JSONL files for the ``datasets`` streaming
fallback) live in ``tests/fixtures/viewer/repos/`` and are not loaded by default, so the fake Hub's listings stay
as its fixtures say: add them with :func:`add_viewer_repos` (in-process) or :func:`repo_dir_args` (command line).
"""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .server import Response, json_response

if TYPE_CHECKING:
    from .server import FakeHub, Request
    from .store import Repo

__all__ = [
    "DISABLED_VIEWER_DATASET",
    "STREAMING_ONLY_DATASET",
    "VIEWER_FIXTURES_DIR",
    "add_viewer_repos",
    "handle_viewer",
    "repo_dir_args",
    "viewer_fixture",
]

VIEWER_FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "viewer"
#: Its card sets ``viewer: false``.
DISABLED_VIEWER_DATASET = "viewer-lab/viewer-disabled"
#: The viewer has nothing for it; its repo holds real JSONL files (train, test) that ``datasets`` can stream.
STREAMING_ONLY_DATASET = "viewer-lab/streaming-only"
LOCAL_REPOS: dict[str, Path] = {
    DISABLED_VIEWER_DATASET: VIEWER_FIXTURES_DIR / "repos" / "viewer-lab__viewer-disabled",
    STREAMING_ONLY_DATASET: VIEWER_FIXTURES_DIR / "repos" / "viewer-lab__streaming-only",
}
ENDPOINTS = frozenset({"is-valid", "splits", "size", "info", "first-rows", "statistics"})
_NOT_VALID = {"preview": False, "viewer": False, "search": False, "filter": False, "statistics": False}
_add_lock = threading.Lock()


class _ViewerError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def add_viewer_repos(hub: FakeHub) -> None:
    """Serve the repos under ``tests/fixtures/viewer/repos/`` from ``hub`` (idempotent)."""
    with _add_lock:
        for repo_id, path in LOCAL_REPOS.items():
            if hub.store.get("dataset", repo_id) is None:
                hub.add_local_repo("dataset", repo_id, path)


def repo_dir_args() -> list[str]:
    """The same repos as ``python -m tests.fakehub`` arguments (``--repo-dir dataset:ID=PATH`` ...)."""
    args: list[str] = []
    for repo_id, path in LOCAL_REPOS.items():
        args += ["--repo-dir", f"dataset:{repo_id}={path}"]
    return args


@cache
def viewer_fixture(dataset: str) -> dict[str, Any] | None:
    """The fixture answers of one dataset, or None when the viewer has nothing for it."""
    path = VIEWER_FIXTURES_DIR / "datasets" / (dataset.replace("/", "__") + ".json")
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _answer(body: Any, repo: Repo | None) -> Response:
    headers = [("Cache-Control", "max-age=120")]
    if repo is not None:
        headers.append(("X-Revision", repo.sha))
    return json_response(body, 200, headers)


def _error(error: _ViewerError) -> Response:
    return json_response(
        {"error": error.message}, error.status, [("X-Error-Code", error.code), ("Cache-Control", "no-store")]
    )


def handle_viewer(hub: FakeHub, request: Request) -> Response:
    """Answer one ``/viewer/...`` request."""
    if request.method not in ("GET", "HEAD"):
        return json_response({"error": "Method Not Allowed"}, 405)
    endpoint = "/".join(request.segments[1:])
    if endpoint not in ENDPOINTS:
        return Response(404, [("Content-Type", "text/plain; charset=utf-8")], b"Not Found")
    try:
        return _endpoint(hub, request, endpoint)
    except _ViewerError as error:
        return _error(error)


def _param(request: Request, name: str) -> str | None:
    values = request.query.get(name) or []
    value = values[-1].strip() if values else ""
    return value or None


def _required(endpoint: str, dataset: str | None, config: str | None, split: str | None) -> None:
    if endpoint in ("first-rows", "statistics") and not (dataset and config and split):
        raise _ViewerError(422, "MissingRequiredParameter", "Parameters 'split', 'config' and 'dataset' are required")
    if not dataset:
        raise _ViewerError(422, "MissingRequiredParameter", "Parameter 'dataset' is required")


def _auth_check(hub: FakeHub, request: Request, dataset: str) -> Repo:
    """What the real service learns from the Hub's auth check: 200, or 401/403/404 mapped to its own errors."""
    user = hub.store.viewer_for(request.token)  # None: an invalid token, which the Hub answers with 401
    repo = hub.store.get("dataset", dataset)
    authenticated = user is not None and user.authenticated
    allowed = (
        user is not None
        and repo is not None
        and hub.store.can_see(repo, user)
        and (not repo.gated or user.gated_access)
    )
    if allowed:
        assert repo is not None
        return repo
    if authenticated:
        raise _ViewerError(
            404,
            "ExternalAuthenticatedError",
            "The dataset does not exist, or is not accessible with the current credentials (private or gated). "
            "Please check the spelling of the dataset name or retry with other authentication credentials.",
        )
    raise _ViewerError(
        401,
        "ExternalUnauthenticatedError",
        "The dataset does not exist, or is not accessible without authentication (private or gated). "
        "Please check the spelling of the dataset name or retry with authentication.",
    )


def _check_supported(repo: Repo, fixture: dict[str, Any] | None) -> None:
    if repo.disabled:
        raise _ViewerError(
            501, "NotSupportedDisabledRepositoryError", f"Not supported: dataset repository {repo.id} is disabled."
        )
    card = repo.record.get("cardData") or {}
    if isinstance(card, dict) and card.get("viewer", True) is False:
        raise _ViewerError(
            501,
            "NotSupportedDisabledViewerError",
            f"Not supported: dataset viewer is disabled in {repo.id} configuration.",
        )
    if repo.private and fixture is None:
        raise _ViewerError(
            501,
            "NotSupportedPrivateRepositoryError",
            f"Not supported: dataset repository {repo.id} is private. Private datasets are only supported for pro "
            "users and enterprise organizations.",
        )


def _not_found() -> _ViewerError:
    return _ViewerError(404, "ResponseNotFound", "Not found.")


def _endpoint(hub: FakeHub, request: Request, endpoint: str) -> Response:
    dataset, config, split = _param(request, "dataset"), _param(request, "config"), _param(request, "split")
    _required(endpoint, dataset, config, split)
    assert dataset is not None
    repo = _auth_check(hub, request, dataset)
    fixture = viewer_fixture(dataset)
    _check_supported(repo, fixture)
    if fixture is None:
        if endpoint == "is-valid":
            return _answer(dict(_NOT_VALID), repo)
        raise _not_found()
    if endpoint in ("is-valid", "splits", "size") and config is None:
        if endpoint not in fixture:
            raise _not_found()
        return _answer(fixture[endpoint], repo)
    if endpoint == "splits":
        assert config is not None
        splits = [s for s in fixture.get("splits", {}).get("splits", []) if s["config"] == config]
        if not splits:
            raise _not_found()
        return _answer({"splits": splits, "pending": [], "failed": []}, repo)
    if endpoint == "size":
        return _answer(_config_size(fixture, config), repo)
    if endpoint == "info":
        infos: dict[str, Any] = fixture.get("info", {})
        if config is None:
            return _answer(
                {"dataset_info": {c: i["dataset_info"] for c, i in infos.items()}, "pending": [], "failed": [],
                 "partial": any(i.get("partial") for i in infos.values())},
                repo,
            )
        if config not in infos:
            raise _not_found()
        return _answer(infos[config], repo)
    answers: dict[str, Any] = fixture.get(endpoint, {})  # first-rows, statistics: by "config/split"
    key = f"{config}/{split}"
    if key not in answers:
        raise _not_found()
    return _answer(answers[key], repo)


def _config_size(fixture: dict[str, Any], config: str | None) -> dict[str, Any]:
    size = fixture.get("size", {}).get("size", {})
    configs = [c for c in size.get("configs", []) if c["config"] == config]
    if not configs:
        raise _not_found()
    return {
        "size": {"config": configs[0], "splits": [s for s in size.get("splits", []) if s["config"] == config]},
        "partial": fixture["size"].get("partial", False),
    }
