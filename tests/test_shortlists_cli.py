"""`python -m lib.shortlists`: the contract (commands, flags, the JSON of `show --json`, exports, one-line errors and
exit codes) on SQLite and PostgreSQL; most runs call `main()` in this process, a few run the real command line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from lib.shortlists.__main__ import main
from lib.store import close_stores
from tests.pg import PgServer, db_fixture, pg_server_fixture  # noqa: F401 - the fixtures db, pg_server

ROOT = Path(__file__).resolve().parent.parent
ITEM_KEYS = {"repo", "kind", "status", "note", "votes", "voters", "added_by", "added_at"}


@pytest.fixture(autouse=True)
def _fresh_stores():
    close_stores()
    yield
    close_stores()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own exits
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_a_list_from_start_to_decision(db, capsys):
    steps = [
        ("--db", db, "create", "team picks", "--user", "ada", "--description", "Pick a 7B model"),
        ("--db", db, "add", "team picks", "org/fast-7b", "--kind", "model", "--user", "ada", "--note", "fast"),
        ("--db", db, "add", "team picks", "org/accurate-7b", "--kind", "models", "--user", "bob"),
        ("--db", db, "add", "team picks", "squad", "--kind", "dataset", "--user", "cy"),
        ("--db", db, "vote", "team picks", "org/accurate-7b", "--user", "ada"),
        ("--db", db, "vote", "team picks", "org/accurate-7b", "--user", "bob"),
        ("--db", db, "vote", "team picks", "org/fast-7b", "--user", "cy"),
        ("--db", db, "unvote", "team picks", "org/fast-7b", "--user", "cy"),
        ("--db", db, "status", "team picks", "org/accurate-7b", "chosen", "--user", "ada"),
        ("--db", db, "status", "team picks", "org/fast-7b", "rejected", "--user", "ada"),
        ("--db", db, "note", "team picks", "org/accurate-7b", "best on our eval\nslower", "--user", "bob"),
        ("create", "team picks 2", "--user", "ada", "--db", db),  # --db after the command works too
    ]
    for step in steps:
        code, out, err = cli(capsys, *step)
        assert (code, err) == (0, ""), step
        assert out.count("\n") == 1, "one line of confirmation"

    code, out, err = cli(capsys, "--db", db, "show", "team picks", "--json")
    assert (code, err) == (0, "")
    shown = json.loads(out)
    assert (shown["name"], shown["description"], shown["owner"]) == ("team picks", "Pick a 7B model", "ada")
    assert [set(item) for item in shown["items"]] == [ITEM_KEYS] * 3
    by_repo = {item["repo"]: item for item in shown["items"]}
    assert by_repo["org/accurate-7b"] | {"added_at": None} == {
        "repo": "org/accurate-7b", "kind": "models", "status": "chosen", "note": "best on our eval\nslower",
        "votes": 2, "voters": ["ada", "bob"], "added_by": "bob", "added_at": None}
    assert (by_repo["org/fast-7b"]["status"], by_repo["org/fast-7b"]["votes"], by_repo["org/fast-7b"]["note"]) == (
        "rejected", 0, "fast")
    assert by_repo["squad"]["kind"] == "datasets" and by_repo["squad"]["voters"] == []
    assert datetime.fromisoformat(by_repo["squad"]["added_at"]).utcoffset().total_seconds() == 0
    assert [(h["user"], h["action"], h["repo"]) for h in shown["history"]] == [
        ("ada", "created", None), ("ada", "added", "org/fast-7b"), ("bob", "added", "org/accurate-7b"),
        ("cy", "added", "squad"), ("ada", "voted", "org/accurate-7b"), ("bob", "voted", "org/accurate-7b"),
        ("cy", "voted", "org/fast-7b"), ("cy", "unvoted", "org/fast-7b"), ("ada", "status", "org/accurate-7b"),
        ("ada", "status", "org/fast-7b"), ("bob", "note", "org/accurate-7b")]
    assert all(h["at"] and h["summary"].startswith(h["user"]) for h in shown["history"])

    code, out, _ = cli(capsys, "--db", db, "export", "team picks", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [(r["repo"], r["status"], r["votes"]) for r in rows] == [
        ("org/accurate-7b", "chosen", "2"), ("squad", "candidate", "0"), ("org/fast-7b", "rejected", "0")]
    code, out, _ = cli(capsys, "--db", db, "export", "team picks", "--format", "md")
    assert code == 0 and out.startswith("# Decision record: team picks\n")
    decision = out.split("## Decision", 1)[1].split("\n## ", 1)[0]
    assert "accurate" in decision and "fast" not in decision
    code, out, _ = cli(capsys, "--db", db, "show", "team picks")
    assert code == 0 and "[chosen] org/accurate-7b (model), 2 votes: ada, bob" in out

    code, out, _ = cli(capsys, "--db", db, "lists", "--json")
    assert code == 0 and sorted(s["name"] for s in json.loads(out)) == ["team picks", "team picks 2"]


@pytest.mark.parametrize(
    ("args", "words", "why"),
    [
        (("vote", "nope", "org/a", "--user", "ada"), "Shortlist not found", "an unknown list"),
        (("vote", "l", "org/missing", "--user", "ada"), "Not in the list", "an unknown item"),
        (("status", "l", "org/a", "maybe", "--user", "ada"), "Unknown status", "a bad status"),
        (("create", "", "--user", "ada"), "The list name is empty", "an empty name"),
        (("create", "x" * 61, "--user", "ada"), "at most 60", "an over-long name"),
        (("create", "ok", "--user", "u" * 61), "user name", "an over-long user name"),
        (("add", "l", "org/b", "--kind", "repo", "--user", "ada"), "Unknown kind", "a bad kind"),
        (("add", "l", "not a repo", "--kind", "model", "--user", "ada"), "Not a Hub repo id", "a bad repo id"),
        (("add", "l", "org/a", "--kind", "model", "--user", "ada"), "Already in the list", "added twice"),
        (("create", "l", "--user", "bob"), "Name already used", "a list name taken"),
        (("note", "l", "org/a", "x" * 2001, "--user", "ada"), "at most 2000", "an over-long note"),
    ],
)
def test_errors_print_one_line_and_exit_1(db, capsys, args, words, why):
    assert cli(capsys, "--db", db, "create", "l", "--user", "ada")[0] == 0
    assert cli(capsys, "--db", db, "add", "l", "org/a", "--kind", "model", "--user", "ada")[0] == 0
    code, out, err = cli(capsys, "--db", db, *args)
    assert code == 1, why
    assert out == "" and err.count("\n") == 1 and err.startswith("error: "), why
    assert words in err, why


@pytest.mark.parametrize(
    "args",
    [("vote", "l", "org/a"), ("export", "l", "--format", "xml"), ("frobnicate",), ("add", "l", "org/a", "--user", "u")],
    ids=["missing --user", "bad format", "unknown command", "missing --kind"],
)
def test_bad_arguments_print_one_line_and_exit_2(tmp_path, capsys, args):
    code, out, err = cli(capsys, "--db", str(tmp_path / "x.sqlite3"), *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: ")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lib.shortlists", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_command_line_uses_the_apps_own_store_by_default(tmp_path):
    env = {"HUB_EXPLORER_HOME": str(tmp_path / "home"), "HUB_EXPLORER_DATABASE_URL": ""}
    made = _run(["create", "from the shell", "--user", "ada"], env)
    assert (made.returncode, made.stderr) == (0, "")
    assert (tmp_path / "home" / "hub-explorer.sqlite3").is_file()
    missing = _run(["show", "nope", "--json"], env)
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr == "error: Shortlist not found: No shortlist named 'nope'.\n"


def test_the_command_line_uses_postgresql_when_the_url_is_set(pg_server: PgServer, tmp_path):
    url = pg_server.create_database()
    env = {"HUB_EXPLORER_HOME": str(tmp_path / "home"), "HUB_EXPLORER_DATABASE_URL": url}
    assert _run(["create", "shared", "--user", "ada"], env).returncode == 0
    shown = _run(["show", "shared", "--json"], env)
    assert shown.returncode == 0 and json.loads(shown.stdout)["owner"] == "ada"
    assert not (tmp_path / "home" / "hub-explorer.sqlite3").exists(), "the SQLite file is not used"
    assert _run(["--db", url, "show", "shared", "--json"], {}).returncode == 0


def test_an_unreachable_database_is_one_line(tmp_path):
    from tests.conftest import free_port

    done = _run(["--db", f"postgresql://app:s3cret@127.0.0.1:{free_port()}/x", "lists"], {})
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: The app's database is unavailable:") and "s3cret" not in done.stderr
