"""The app starts fast: running every page imports neither torch nor transformers (nor datasets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys
from streamlit.testing.v1 import AppTest
for page in ["streamlit_app.py", "pages/models.py", "pages/1_datasets.py", "pages/spaces.py", "pages/cache.py"]:
    at = AppTest.from_file(page, default_timeout=60).run()
    assert not at.exception, (page, at.exception)
heavy = sorted(m for m in ("torch", "transformers", "datasets") if m in sys.modules)
print("HEAVY:", ",".join(heavy))
"""


def test_pages_import_no_heavy_libraries(hub):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:", done.stdout
