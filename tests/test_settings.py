"""Every environment variable the app or a CLI reads is declared in `lib/settings.py`, and the README's settings
table lists exactly those."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lib.settings import VARIABLES, load_settings

ROOT = Path(__file__).resolve().parent.parent


def _readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section, flags=re.MULTILINE))


def test_the_readme_table_lists_exactly_the_declared_variables():
    assert _readme_table() == set(VARIABLES)


def _env_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of each `os.environ.get("X")`, `os.environ["X"]`, `os.getenv("X")` (writes with setdefault are
    configuration of a library, not settings of ours)."""
    reads = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func
            is_get = target.attr == "get" and isinstance(target.value, ast.Attribute) and target.value.attr == "environ"
            if (is_get or target.attr == "getenv") and node.args and isinstance(node.args[0], ast.Constant):
                reads.append((node.lineno, node.args[0].value))
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "environ"
                and isinstance(node.ctx, ast.Load) and isinstance(node.slice, ast.Constant)):
            reads.append((node.lineno, node.slice.value))
    return reads


def test_nothing_but_lib_settings_reads_the_environment():
    files = [ROOT / "streamlit_app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "lib").rglob("*.py")]
    found = {}
    for path in files:
        if path == ROOT / "lib" / "settings.py":
            continue
        reads = _env_reads(ast.parse(path.read_text(), str(path)))
        if reads:
            found[str(path.relative_to(ROOT))] = reads
    assert found == {}


def test_settings_declared_are_the_settings_read():
    text = (ROOT / "lib" / "settings.py").read_text()
    reads = {name for _, name in _env_reads(ast.parse(text))}
    reads |= set(re.findall(r'\benv(?:\.get\(|\[)"([A-Z_]+)"', text))
    assert reads - {"XDG_CACHE_HOME"} == set(VARIABLES)


@pytest.mark.parametrize(
    ("env", "field", "expected", "why"),
    [
        ({"HUB_EXPLORER_TIMEOUT": "2.5"}, "timeout", 2.5, "a number of seconds"),
        ({"HUB_EXPLORER_TIMEOUT": "soon"}, "timeout", 10.0, "not a number: the default"),
        ({"HUB_EXPLORER_TIMEOUT": "-1"}, "timeout", 10.0, "not positive: the default"),
        ({"HUB_EXPLORER_INFERENCE_TIMEOUT": "30"}, "inference_timeout", 30.0, "a number of seconds"),
        ({"HUB_EXPLORER_INFERENCE_TIMEOUT": ""}, "inference_timeout", 120.0, "empty: the default"),
        ({"HUB_EXPLORER_TRYIT_BUDGET_MB": "512"}, "tryit_budget_mb", 512.0, "megabytes"),
        ({"HUB_EXPLORER_TRYIT_BUDGET_MB": "lots"}, "tryit_budget_mb", None, "not a number: half the RAM"),
        ({"HF_ENDPOINT": "http://127.0.0.1:9/"}, "endpoint", "http://127.0.0.1:9", "trailing slash dropped"),
    ],
)
def test_values(monkeypatch, env, field, expected, why):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert getattr(load_settings(), field) == expected, why
