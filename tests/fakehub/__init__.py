"""A loopback fake Hugging Face Hub for tests and offline use (standard library only).

It speaks enough of the real Hub's HTTP API, in the real shapes, for the real ``huggingface_hub`` client
(``HfApi(endpoint=hub.url)``, ``hf_hub_download``, ``snapshot_download``, ``ModelCard.load``,
``get_safetensors_metadata``, ``transformers.pipeline`` downloads) to work against it.

Python API::

    from tests.fakehub import FakeHub, VALID_TOKEN

    with FakeHub(port=0, page_size=5) as hub:          # or: hub = FakeHub(); hub.start(); ...; hub.stop()
        api = HfApi(endpoint=hub.url)
        hub.add_fault("/api/models", status=429, times=1, retry_after=7)   # -> Fault; hub.clear_faults()
        hub.add_local_repo("model", "org/tiny-bert", "/path/to/folder", pipeline_tag="fill-mask")
        hub.add_repo("dataset", {"id": "me/tiny", "tags": ["language:en"]}, files={"data.csv": "a,b\n"})
        hub.add_token("hf_other", name="other-user", gated_access=False)
        hub.repo("model", "gpt2")                        # the stored record
        hub.requests                                     # what clients asked (RecordedRequest list); clear_requests()

``FakeHub(host="127.0.0.1", port=0, *, fixtures_dir=tests/fixtures/hub | None, page_size=None (env
FAKEHUB_PAGE_SIZE, default 100), tree_page_size=None (env FAKEHUB_TREE_PAGE_SIZE, default 1000),
strict_tokens=True, local_repos=((kind, repo_id, path), ...), verbose=False)``; ``hub.url`` / ``hub.port`` once
started. The module imports nothing outside the standard library, so a ``conftest.py`` can start a hub and set
``HF_ENDPOINT`` to ``hub.url`` *before* huggingface_hub is first imported (it reads ``HF_ENDPOINT`` at import).

Command line (serves until SIGTERM/SIGINT; ``GET /api/models?limit=1`` answers 200 once ready)::

    python -m tests.fakehub --port 8765 [--host 127.0.0.1] [--fixtures DIR | --no-fixtures]
        [--page-size N] [--tree-page-size N] [--repo-dir KIND:REPO_ID=PATH ...] [--lenient-tokens]
        [--oauth-user NAME] [--verbose]

Routes (``{kind}`` is ``models``, ``datasets`` or ``spaces``; repo ids are ``name`` or ``namespace/name``, unicode
allowed, URL-quoted; note that huggingface_hub itself refuses non-ASCII ids with ``HFValidationError`` before
sending anything, so those are reachable through list results and raw HTTP only):

* ``GET /api/{kind}``: list. Query: ``search`` (case-insensitive substring of the id, repeatable = all must match),
  ``author``, ``filter`` (tags, repeatable or comma-separated: all must match), ``pipeline_tag``, ``library``
  (library_name or tag), ``language``, ``license``, ``gated`` (true/false), ``num_parameters`` (``min:1B,max:10B``),
  datasets: ``task_categories``/``task_ids``/``size_categories``/``language``/``multilinguality``... (tags
  ``param:value``), spaces: ``sdk``, ``models``, ``datasets``, ``linked``; ``sort`` (``trendingScore``,
  ``downloads``, ``likes``, ``createdAt``, ``lastModified``; always descending, ties by id ascending, missing values
  last; otherwise fixture order), ``limit`` (caps the page, max 1000), ``expand`` (repeatable; items are then
  ``_id``, ``id`` and exactly the expanded fields), ``full``, ``cardData``, ``config``. Pages hold
  ``min(page_size, limit)`` items; more pages are announced with ``Link: <url>; rel="next"`` where url repeats the
  whole query plus an opaque ``cursor``. Private repos are listed only for their namespace's token.
* ``GET /api/{kind}/{id}`` and ``GET /api/{kind}/{id}/revision/{rev}``: info (full form). ``expand``,
  ``blobs=true`` (siblings get ``blobId``, ``size``, ``lfs``), ``securityStatus=true`` (``securityRepoStatus``).
  ``rev`` is ``main`` or the repo's sha (or a 7+ character prefix), otherwise 404 ``RevisionNotFound``.
* ``GET /api/{kind}/{id}/tree/{rev}[/{path}]``: ``recursive``, ``expand`` (``lastCommit``,
  ``securityFileStatus``); items ``{"type":"file","oid","size","lfs"?,"path"}`` / ``{"type":"directory",...}``;
  paginated by ``tree_page_size`` with the same ``Link`` scheme.
* ``POST /api/{kind}/{id}/paths-info/{rev}`` (form ``paths``, ``expand``), ``GET /api/{kind}/{id}/refs``,
  ``GET /api/{kind}/{id}/commits/{rev}``, ``GET /api/models/{id}/safetensors-metadata`` (sharded repos),
  ``GET /api/spaces/{id}/runtime``.
* ``GET|HEAD /{id}/resolve/{rev}/{path}``, ``/datasets/{id}/resolve/...``, ``/spaces/{id}/resolve/...``: file bytes
  with ``X-Repo-Commit``, quoted ``ETag`` (sha256 for LFS files, git blob sha1 otherwise), ``X-Linked-Etag`` and
  ``X-Linked-Size`` for LFS files, ``Content-Length``, ``Accept-Ranges``; ``Range: bytes=a-b|a-|-n`` → 206 with
  ``Content-Range`` (416 when unsatisfiable). Missing file: 404 ``X-Error-Code: EntryNotFound``.
* ``GET /api/whoami-v2``: the token's user; 401 without a valid token. ``GET /api/agent-harnesses``: an empty
  registry (huggingface_hub asks for it once a day to build its user agent).
* ``/api/collections``: list, create, read, add and remove items, delete, with the real API's shapes and errors
  (401 without a token, 403 without write access to the namespace, 409 for a title already used or an item already
  there): see ``tests/fakehub/collections.py``. ``hub.collections`` holds them; ``POST /_fake/reset`` clears them.
* Sign-in (OpenID Connect, like "Sign in with Hugging Face"): ``/.well-known/openid-configuration``,
  ``/oauth/authorize`` (automatic consent for ``FakeHub(oauth_user=...)``), ``/oauth/token`` (RS256 ID token),
  ``/oauth/userinfo``, ``/oauth/jwks``; client :data:`~tests.fakehub.oauth.OAUTH_CLIENT_ID` /
  ``OAUTH_CLIENT_SECRET``: see ``tests/fakehub/oauth.py``.

Errors carry ``X-Error-Code`` / ``X-Error-Message`` headers and a ``{"error": message}`` body, the way
``huggingface_hub.utils.hf_raise_for_status`` reads them: unknown or invisible repo → 404 ``RepoNotFound``
(``RepositoryNotFoundError``); bad revision → 404 ``RevisionNotFound``; missing file → 404 ``EntryNotFound``;
gated repo content without access → 401 (anonymous) or 403 (token without access) ``GatedRepo``
(``GatedRepoError``); disabled repo content → 403 "Access to this resource is disabled." (``DisabledRepoError``);
an unknown bearer token → 401 "Invalid credentials in Authorization header" on every route (``strict_tokens``).

Auth: tokens come from ``tests/fixtures/hub/tokens.json``: ``hf_fake_valid_token`` (user ``fake-user``, org
``hub-explorer-test``: sees that org's private repos, has access to every gated repo) and
``hf_fake_no_access_token`` (user ``no-access-user``: no private repos, 403 on gated content); both are ``read``
tokens (``auth.accessToken.role`` in whoami). ``hf_fake_write_token`` is ``fake-user``'s ``write`` token and
``hf_fake_fine_grained_token`` a ``fineGrained`` one (``collection.write`` on ``fake-user`` only). Gated repos: info and
tree are public; ``/revision/{rev}`` info, resolve (except README.md and .gitattributes) and safetensors-metadata
need access. Every response carries ``RateLimit`` / ``RateLimit-Policy`` headers (counted, not enforced).

Faults (see :class:`~tests.fakehub.faults.Fault`), in-process with ``hub.add_fault(path_prefix, status, times=1,
retry_after=None, delay=None, malformed=False, disconnect=False, method=None, error_code=None, message=None,
after=0)`` (``after=N``: the first N matching requests pass, then the fault answers: a listing's later page) or
over HTTP (control endpoints are never faulted nor logged)::

    POST   /_fake/faults     {"path_prefix": "/api/models", "status": 429, "times": 1, "retry_after": 7}
                             (a JSON object or a list of them; answers 201 with the fault and its "id")
    GET    /_fake/faults     active faults with "remaining" uses
    DELETE /_fake/faults     clear all faults;  DELETE /_fake/faults/{id}: one fault
    GET    /_fake/requests   the request log;   DELETE /_fake/requests: clear it
    POST   /_fake/reset      clear faults and the request log
    GET    /_fake/health     {"ok": true}

A fault matches requests whose decoded path starts with ``path_prefix`` (and ``method`` if given) and answers the
next ``times`` of them (``null`` = until cleared): 429 with ``Retry-After`` and ``RateLimit: "api";r=0;t=N``;
other statuses with a JSON error; ``malformed`` → 200 with truncated JSON; ``delay`` → sleep first (alone: then
answer normally, to provoke client timeouts); ``disconnect`` → close the connection without an answer; ``cut_after=N``
→ answer normally but close the connection after N bytes of the body (a download broken half-way); ``after=N``
lets the first N matching requests through first (the third of a series fails: ``after=2``).

Files served: README.md is the card (``cards/{kind}/{id with / → __}.md``; a ``<!-- fakehub:expand-to-bytes N -->``
marker is expanded to N bytes of filler sections; built from ``cardData`` when no card file exists);
config.json / tokenizer_config.json come from the record's ``config``; ``model.safetensors`` and
``model-0000i-of-0000n.safetensors`` (+ index) are real safetensors headers whose parameter counts per dtype equal
the record's ``safetensors`` field, followed by zero bytes; every other sibling is deterministic placeholder bytes of
``siblings[].size`` (streamed, never held in memory). Local folders (``add_local_repo`` / ``--repo-dir``) are served
byte for byte. ``tests/fakehub/hubstats.py`` (needs pyarrow, so not imported here) generates the Hub's published
metadata dataset (``cfahlgren1/hub-stats``: one Parquet file per kind) from fixture records and serves it as a
dataset repo at a commit sha of its own (``publish(hub, records, date=...)``).
"""

from __future__ import annotations

from .faults import Fault
from .oauth import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from .server import FINE_GRAINED_TOKEN, NO_ACCESS_TOKEN, VALID_TOKEN, WRITE_TOKEN, FakeHub, RecordedRequest
from .store import DEFAULT_FIXTURES_DIR, ApiError

__all__ = [
    "DEFAULT_FIXTURES_DIR",
    "FINE_GRAINED_TOKEN",
    "NO_ACCESS_TOKEN",
    "OAUTH_CLIENT_ID",
    "OAUTH_CLIENT_SECRET",
    "VALID_TOKEN",
    "WRITE_TOKEN",
    "ApiError",
    "FakeHub",
    "Fault",
    "RecordedRequest",
]
