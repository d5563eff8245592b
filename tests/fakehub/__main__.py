"""``python -m tests.fakehub --port PORT``: run the fake Hub until SIGTERM/SIGINT (see the package docstring)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .server import FakeHub
from .store import DEFAULT_FIXTURES_DIR


def _repo_dir(value: str) -> tuple[str, str, Path]:
    """Parse ``KIND:REPO_ID=PATH`` (``model:org/tiny-bert=/tmp/tiny``)."""
    kind, sep, rest = value.partition(":")
    repo_id, sep2, path = rest.partition("=")
    if not (sep and sep2 and kind and repo_id and path):
        raise argparse.ArgumentTypeError(f"expected KIND:REPO_ID=PATH, got {value!r}")
    if kind.lower() not in {"model", "models", "dataset", "datasets", "space", "spaces"}:
        raise argparse.ArgumentTypeError(f"KIND must be model, dataset or space, got {kind!r}")
    if not Path(path).is_dir():
        raise argparse.ArgumentTypeError(f"not a directory: {path}")
    return kind, repo_id, Path(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.fakehub", description="Loopback fake Hugging Face Hub.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 = pick a free one; default 8765)")
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES_DIR, help="fixtures folder")
    parser.add_argument("--no-fixtures", action="store_true", help="start with no repos")
    parser.add_argument("--page-size", type=int, default=None, help="list page size (env FAKEHUB_PAGE_SIZE)")
    parser.add_argument("--tree-page-size", type=int, default=None, help="tree page size")
    parser.add_argument(
        "--repo-dir",
        type=_repo_dir,
        action="append",
        default=[],
        metavar="KIND:REPO_ID=PATH",
        help="serve a folder as a repo (repeatable)",
    )
    parser.add_argument(
        "--lenient-tokens", action="store_true", help="treat unknown bearer tokens as anonymous instead of 401"
    )
    parser.add_argument("--oauth-user", default="fake-user", help="who signs in through /oauth/authorize")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    hub = FakeHub(
        args.host,
        args.port,
        fixtures_dir=None if args.no_fixtures else args.fixtures,
        page_size=args.page_size,
        tree_page_size=args.tree_page_size,
        strict_tokens=not args.lenient_tokens,
        local_repos=args.repo_dir,
        oauth_user=args.oauth_user,
        verbose=args.verbose,
    )

    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    hub.start()
    print(f"FakeHub serving at {hub.url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
