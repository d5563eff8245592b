"""What a task row's local run loads: a transformers pipeline, or a small built-in engine for the tasks
transformers 5 removed (``text2text-generation``/``summarization``/``translation`` as :class:`Seq2Seq`,
``question-answering`` as :class:`ExtractiveQA`), with the same output shapes the old pipelines had.

Also the generation hooks the runner hands to ``generate``: a stopping criterion that ends generation when asked and
counts the new tokens. torch and transformers are imported inside functions only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lib.tryit.tasks import Engine, TaskSpec


class Seq2Seq:
    """text2text-generation / summarization / translation: ``[{"generated_text": ...}]`` as the old pipeline."""

    def __init__(self, model_id: str, prefix: str, **load: Any) -> None:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_id, **load)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(model_id, **load).eval()
        self.prefix = prefix

    def __call__(self, text: str, **generate: Any) -> list[dict[str, str]]:
        import torch

        batch = self.tokenizer(self.prefix + text, return_tensors="pt", truncation=True).to(self.model.device)
        with torch.inference_mode():
            ids = self.model.generate(**batch, **generate)
        return [{"generated_text": self.tokenizer.decode(ids[0], skip_special_tokens=True)}]


class ExtractiveQA:
    """question-answering: the best span of the context, ``{"answer", "score", "start", "end"}``."""

    def __init__(self, model_id: str, max_answer_tokens: int = 30, **load: Any) -> None:
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_id, **load)
        self.model = AutoModelForQuestionAnswering.from_pretrained(model_id, **load).eval()
        self.max_answer_tokens = max_answer_tokens

    def __call__(self, *, question: str, context: str) -> dict[str, Any]:
        import torch

        enc = self.tokenizer(question, context, return_tensors="pt", truncation="only_second",
                             return_offsets_mapping=True)
        offsets = enc.pop("offset_mapping")[0].tolist()
        in_context = [s == 1 for s in enc.sequence_ids(0)]
        with torch.inference_mode():
            out = self.model(**enc.to(self.model.device))
        start_p = out.start_logits[0].softmax(-1).tolist()
        end_p = out.end_logits[0].softmax(-1).tolist()
        best = (0.0, 0, 0)
        positions = [i for i, ok in enumerate(in_context) if ok]
        for s in positions:
            for e in positions:
                if s <= e < s + self.max_answer_tokens and start_p[s] * end_p[e] > best[0]:
                    best = (start_p[s] * end_p[e], s, e)
        score, s, e = best
        start, end = (offsets[s][0], offsets[e][1]) if positions else (0, 0)
        return {"answer": context[start:end], "score": score, "start": start, "end": end}


def _pipeline(spec: TaskSpec, model: str, device: str, load: dict[str, Any]) -> Any:
    from transformers import pipeline

    return pipeline(spec.pipeline_task, model=model, device=device, **load)


def _seq2seq(spec: TaskSpec, model: str, device: str, load: dict[str, Any]) -> Any:
    engine = Seq2Seq(model, spec.prefix, **load)
    engine.model.to(device)
    return engine


def _extractive_qa(spec: TaskSpec, model: str, device: str, load: dict[str, Any]) -> Any:
    engine = ExtractiveQA(model, **load)
    engine.model.to(device)
    return engine


def preload(spec: TaskSpec) -> None:
    """Import what loading ``spec``'s engine imports (torch, transformers and its pipeline machinery), so a
    model's memory window (:mod:`lib.tryit.memory`) does not count the libraries the first model of a process
    brings in. Costs nothing once imported."""
    import torch  # noqa: F401
    import transformers

    if spec.engine == "pipeline":
        from transformers import pipeline  # noqa: F401  (the pipelines package and its dependencies)
    else:
        _ = transformers.AutoTokenizer, transformers.AutoConfig  # resolve the lazy modules the engines use


# a row's ``engine`` -> how it is loaded
LOADERS: dict[Engine, Callable[[TaskSpec, str, str, dict[str, Any]], Any]] = {
    "pipeline": _pipeline,
    "seq2seq": _seq2seq,
    "extractive-qa": _extractive_qa,
}


def load(spec: TaskSpec, model: str, *, device: str, dtype: str | None, token: str | None,
         trust_remote_code: bool) -> Any:
    """The loaded engine for ``spec`` (a repo id or a folder), on ``device``, in ``dtype`` ("auto": as stored)."""
    options: dict[str, Any] = {"token": token, "trust_remote_code": trust_remote_code}
    if dtype and dtype != "auto":
        import torch

        options["dtype"] = getattr(torch, dtype.removeprefix("torch."))
    elif dtype == "auto":
        options["dtype"] = "auto"
    return LOADERS[spec.engine](spec, model, device, options)


def remote_code_declared(model: str) -> bool:
    """A local folder whose config asks for its own code (``auto_map``); a repo id is checked by the fit report."""
    config = Path(model) / "config.json"
    if config.is_file():
        try:
            return bool(json.loads(config.read_text()).get("auto_map"))
        except (OSError, ValueError):
            return False
    return False


def counts_tokens(spec: TaskSpec) -> bool:
    """Whether the engine passes ``stopping_criteria`` on to ``generate`` (the text-generation pipeline and the
    built-in seq2seq engine do; other pipelines fall back to counting the text's tokens)."""
    return spec.generates and (spec.engine == "seq2seq" or spec.pipeline_task == "text-generation")


class TokenCount:
    """Generated tokens, counted by the stopping criterion (generate asks it once per new token), so tokens/s
    counts the model's own tokens rather than a re-tokenization of the decoded text."""

    def __init__(self) -> None:
        self.n = 0


def stop_criteria(stop: threading.Event, fired: threading.Event, count: TokenCount | None = None) -> Any:
    """A ``StoppingCriteriaList`` that ends generation at the next token once ``stop`` is set (a Stop button, a
    rerun, an abandoned stream); ``fired`` records that it did, so a stop asked for after the natural end does not
    count as stopped."""
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _EventStop(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            import torch

            if count is not None:
                count.n += 1
            asked = stop.is_set()
            if asked:
                fired.set()
            return torch.full((input_ids.shape[0],), asked, dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([_EventStop()])


def count_text_tokens(pipe: Any, text: str) -> int | None:
    """Tokens of a generated text by the pipeline's tokenizer (for engines that do not count as they generate)."""
    tok = getattr(pipe, "tokenizer", None)
    if tok is None or not text:
        return None
    return len(tok(text, add_special_tokens=False)["input_ids"])
