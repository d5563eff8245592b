"""A throwaway PostgreSQL cluster for the store's tests, and a fixture that runs a test on both backends.

`pg_server` (session scope) runs `initdb` and `pg_ctl start` from Debian's packages (`/usr/lib/postgresql/*/bin`,
else `PATH`) on a free loopback port, in a folder directly under /tmp, as the `postgres` user when the tests run as
root (`initdb` refuses root); it is stopped (`pg_ctl stop -m immediate`) and removed at the end of the session,
whatever happened, and at interpreter exit as a last resort. Clusters left behind by a test process that was killed
are swept away the next time (their folder names the process id that started them). Without the binaries, the
PostgreSQL half of each test is skipped and says why.

`db` (function scope, parametrized "sqlite" / "postgresql") gives a location for `lib.store.open_store`: a SQLite
file path in the test's own folder, or the URL of a new, empty database in the session's cluster.

Test modules import the fixtures they use, `from tests.pg import db_fixture, pg_server_fixture  # noqa: F401`
(pytest then knows them as `db` and `pg_server`);
bench/bench_store.py starts its cluster with `start_server`.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PREFIX = "hub-explorer-pg-"
_SEQ = itertools.count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_bin() -> Path | None:
    """The folder with initdb and pg_ctl: Debian's newest version first, else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for folder in candidates:
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    return Path(initdb).parent if initdb and pg_ctl else None


def _as_postgres() -> list[str]:
    """Run a server command as `postgres` when we are root (initdb and postgres refuse to run as root)."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_as_postgres(), *args], capture_output=True, text=True, timeout=timeout, check=False)


def _stop(bin_dir: Path, data: Path) -> None:
    with contextlib.suppress(Exception):
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], timeout=30)
    shutil.rmtree(data, ignore_errors=True)


def _sweep(bin_dir: Path) -> None:
    """Stop and remove clusters whose test process is gone (a killed run left them)."""
    for folder in glob.glob(f"/tmp/{PREFIX}*"):
        try:
            owner = int(Path(folder).name[len(PREFIX):].split("-")[0])
        except ValueError:
            continue
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            _stop(bin_dir, Path(folder))
        except PermissionError:  # alive, someone else's
            pass


@dataclass
class PgServer:
    bin_dir: Path
    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"t{os.getpid()}_{next(_SEQ)}"
        done = subprocess.run([str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", "postgres", name], capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return self.url(name)

    owner: int = 0  # the process that started it: only that one stops it (forked test children inherit handlers)

    def stop(self) -> None:
        if os.getpid() == self.owner:
            _stop(self.bin_dir, self.data)


def start_server(bin_dir: Path) -> PgServer:
    _sweep(bin_dir)
    data = Path(f"/tmp/{PREFIX}{os.getpid()}-{time.monotonic_ns()}")
    init = _run([str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8",
                 "--locale=C", "--no-sync"], timeout=120)
    if init.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr[-2000:]}")
    last = ""
    for _ in range(5):  # another process may take the free port between our look and the server's bind
        port = free_port()
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on"
        started = _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(data / "server.log"),
                        "-o", options, "start"], timeout=90)
        if started.returncode == 0:
            return PgServer(bin_dir, data, port, owner=os.getpid())
        last = started.stderr + (data / "server.log").read_text(errors="replace")[-2000:]
    _stop(bin_dir, data)
    raise RuntimeError(f"pg_ctl start failed: {last}")


@pytest.fixture(scope="session", name="pg_server")
def pg_server_fixture() -> Iterator[PgServer]:
    bin_dir = find_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or on PATH: "
                    "install Debian's postgresql package to test the PostgreSQL backend")
    server = start_server(bin_dir)
    atexit.register(server.stop)  # if the session is torn down without running fixture finalizers
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: object) -> None:  # a CI timeout sends SIGTERM: stop the cluster first
        if os.getpid() != server.owner:  # a forked child being terminated: not ours to stop
            raise SystemExit(128 + signum)
        server.stop()
        signal.signal(signal.SIGTERM, previous if callable(previous) else signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        yield server
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
        atexit.unregister(server.stop)


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS, name="db")
def db_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's store lives: a SQLite file path, or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "hub-explorer.sqlite3")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()
