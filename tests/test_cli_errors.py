"""The CLIs fail fast and say what happened, with the same time-bounded, fail-fast transport the pages use."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    environ = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HUB_EXPLORER_HOME": str(tmp_path / "home"), **env}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120, check=False)
    return done, time.perf_counter() - started


def test_tryit_cli_says_the_hub_is_unreachable_quickly(tmp_path):
    """It used to retry for ~40 s, then say "Not found: That file does not exist"."""
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done, took = _run(["-m", "lib.tryit", "--model", "sentence-transformers/all-MiniLM-L6-v2", "--task",
                       "feature-extraction", "--input", "hello"], tmp_path, HF_ENDPOINT=closed)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: Hub unreachable:"), done.stderr[-600:]
    assert "does not exist" not in done.stderr
    assert took < 30, f"took {took:.0f} s (torch and transformers alone take ~10 s to import here)"


def test_catalog_cli_sync_says_the_hub_is_unreachable(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"
    done, took = _run(["-m", "lib.catalog", "sync", "--kind", "models", "--limit", "10"], tmp_path,
                      HF_ENDPOINT=closed)
    assert done.returncode == 1
    assert "Could not connect to" in done.stderr and "127.0.0.1" in done.stderr, done.stderr[-600:]
    assert took < 20
