"""What every browser test shares: Debian's Chromium driven by Playwright, the app and a fake Hub on free ports,
screenshots and waiting for Streamlit to finish a run. The `browser` and `page` fixtures are in `tests/conftest.py`.

Screenshots go to artifacts/screenshots/ (look at them: tables must not overflow, errors must read well).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
#: A laptop-sized window, unless a test needs a taller one.
VIEWPORT = {"width": 1400, "height": 1000}


def free_port() -> int:
    from tests.conftest import free_port as port

    return port()


def _wait_http(url: str, seconds: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def serve_app(
    hub_args: tuple[str, ...] = (), env: dict[str, str] | None = None, *, as_configured: bool = False,
    log: Path | None = None,
) -> Iterator[str]:
    """A fake Hub (its fixtures plus `hub_args`) and `streamlit run` against it, on free ports; yields the app URL.
    `as_configured`: keep .streamlit/config.toml's file watcher (tests turn it off); `log`: the app's output."""
    with serve_app_and_hub(hub_args, env, as_configured=as_configured, log=log) as (app_url, _hub_url):
        yield app_url


@contextmanager
def serve_app_and_hub(
    hub_args: tuple[str, ...] = (), env: dict[str, str] | None = None, *, as_configured: bool = False,
    log: Path | None = None,
) -> Iterator[tuple[str, str]]:
    """As `serve_app`, yielding the app's URL and the fake Hub's (its control API: `/_fake/faults`,
    `/_fake/requests`)."""
    hub_port, app_port = free_port(), free_port()
    out = log.open("w") if log is not None else subprocess.DEVNULL
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    hub = subprocess.Popen([sys.executable, "-m", "tests.fakehub", "--port", str(hub_port), *hub_args], cwd=ROOT,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{hub_port}/api/models?limit=1", 30, hub)
        env["HF_ENDPOINT"] = f"http://127.0.0.1:{hub_port}"
        env["HUB_EXPLORER_VIEWER_ENDPOINT"] = f"http://127.0.0.1:{hub_port}/viewer"
        app = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(app_port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             *(() if as_configured else ("--server.fileWatcherType", "none"))],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            _wait_http(f"http://127.0.0.1:{app_port}/_stcore/health", 60, app)
            yield f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{hub_port}"
        finally:
            _stop(app)
    finally:
        _stop(hub)
        if log is not None:
            out.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current run (no 'running' status widget)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && !document.querySelector('[data-testid="stSkeleton"]')
              && !document.querySelector('[data-stale="true"]')""",
        timeout=30_000,
    )
    page.wait_for_timeout(300)
