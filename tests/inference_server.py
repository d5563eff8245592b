"""A loopback inference server speaking the shapes ``huggingface_hub.InferenceClient`` sends, backed by real models.

Each model is served under ``/models/{name}`` (``name`` may contain a slash, as a repo id does), the way the HF
Inference API lays out its URLs; a client given ``model="http://host:port/models/{name}"`` POSTs every task there:

* ``{"inputs": ..., "parameters": {...}}`` JSON for the text tasks (TGI's generate route for text generation,
  with ``"stream": true`` answered as server-sent events ``data: {"token": {"id", "text", ...}}``);
* raw image/audio bytes (or ``{"inputs": <base64>, "parameters"}`` JSON) for the media tasks;
* ``/models/{name}/v1/chat/completions``: the OpenAI-compatible chat route (vLLM, TGI), streamed as
  ``data: {"choices": [{"delta": {"content": ...}}]}`` then ``data: [DONE]``; a model whose tokenizer has a chat
  template answers the messages through it (else the last user message alone);
* ``/models/{name}/pipeline/{task}``: the router's URL for feature-extraction and sentence-similarity.

Answers come from running the model folder (tests/tiny_models.py, or the real all-MiniLM-L6-v2) through
transformers, so a test compares a remote answer with the same model run locally. A model added with
``openai_only=True`` answers the TGI route with 404, as vLLM does. Fault injection reuses the fake Hub's
:class:`~tests.fakehub.faults.Fault` (status, ``Retry-After``, malformed JSON, delay, disconnect); ``token_delay``
slows a stream down between tokens; ``token`` makes every request without ``Authorization: Bearer <token>`` a 401.

    with InferenceServer(token="hf_x") as server:
        server.add_model("org/gen", "text-generation", folder)
        InferenceClient(model=f"{server.url}/models/org/gen", token="hf_x").text_generation("Hi", stream=True)
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import wave
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from tests.fakehub.faults import Fault, FaultRegistry

SEQ2SEQ_TASKS = {
    "text2text-generation": "",
    "summarization": "summarize: ",
    "translation": "translate English to French: ",
}


@dataclass
class Served:
    name: str
    task: str
    folder: Path
    openai_only: bool = False
    engine: Any = None  # loaded on first use


@dataclass
class Seen:
    """One request as the server saw it; ``auth_header`` lets a test check where the token travelled."""

    method: str
    path: str
    authorized: bool
    auth_header: str | None = field(repr=False)
    content_type: str
    body: bytes = field(repr=False)


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(type(obj).__name__)


class InferenceServer:
    """Serves ``add_model`` folders; ``start()``/``stop()`` or a ``with`` block; ``url`` once started."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, token: str | None = None) -> None:
        self.host = host
        self.token = token
        self.models: dict[str, Served] = {}
        self.faults = FaultRegistry()
        self.requests: list[Seen] = []
        self.token_delay = 0.0
        self.aborted_streams = 0  # streams whose client went away before the end
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one inference at a time: torch on 2 cores gains nothing from more

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> Self:
        server = ThreadingHTTPServer((self.host, self._requested_port), _Handler)
        server.daemon_threads = True
        server.app = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="inference-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("InferenceServer is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("InferenceServer is not started")
        return int(self._server.server_address[1])

    def endpoint(self, name: str) -> str:
        """The URL a client is given for model ``name``."""
        return f"{self.url}/models/{name}"

    # -- test helpers ----------------------------------------------------------------------------------------

    def add_model(self, name: str, task: str, folder: str | Path, *, openai_only: bool = False) -> str:
        """Serve ``folder`` for ``task`` as ``name``; returns its endpoint URL."""
        self.models[name] = Served(name, task, Path(folder), openai_only)
        return self.endpoint(name) if self._server is not None else name

    def add_fault(self, path_prefix: str = "/", status: int | None = None, **options: Any) -> Fault:
        """Make the next ``times`` (default 1) requests under ``path_prefix`` fail; see :class:`Fault`."""
        return self.faults.add(Fault(path_prefix=path_prefix, status=status, **options))

    def clear(self) -> None:
        self.faults.clear()
        self.requests.clear()
        self.token_delay = 0.0

    # -- models ----------------------------------------------------------------------------------------------

    def _engine(self, served: Served) -> Any:
        if served.engine is None:
            served.engine = _load(served.task, served.folder)
        return served.engine

    def route(self, path: str) -> tuple[Served, str] | None:
        """(model, rest of the path) for ``/models/{name}{rest}``, the longest matching name first."""
        if not path.startswith("/models/"):
            return None
        tail = path[len("/models/") :]
        for name in sorted(self.models, key=len, reverse=True):
            if tail == name or tail.startswith(name + "/"):
                return self.models[name], tail[len(name) :]
        return None


def _load(task: str, folder: Path) -> Any:
    """What answers ``task``: a transformers pipeline, or the runner's engines for the tasks transformers 5 lacks."""
    from lib.tryit.engines import ExtractiveQA

    if task in ("text-generation", *SEQ2SEQ_TASKS):
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        cls = AutoModelForCausalLM if task == "text-generation" else AutoModelForSeq2SeqLM
        return AutoTokenizer.from_pretrained(folder), cls.from_pretrained(folder).eval()
    if task == "question-answering":
        return ExtractiveQA(str(folder))
    from transformers import pipeline

    pipeline_task = {"sentence-similarity": "feature-extraction", "image-to-text": "image-text-to-text"}.get(task, task)
    return pipeline(pipeline_task, model=str(folder), device="cpu")


def _decode_audio(data: bytes) -> dict[str, Any]:
    """A WAV file (what the tests send) -> the pipeline's ``{"raw", "sampling_rate"}`` (no ffmpeg here)."""
    import numpy as np

    with wave.open(io.BytesIO(data)) as wav:
        rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
        frames = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError("only 16-bit PCM WAV is decoded here")
    samples = np.frombuffer(frames, dtype="<i2").astype("float32") / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return {"raw": samples, "sampling_rate": rate}


class _Handler(BaseHTTPRequestHandler):
    server_version = "tiny-inference/0.1"

    @property
    def app(self) -> InferenceServer:
        return self.server.app  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- plumbing --------------------------------------------------------------------------------------------

    def _send(
        self, status: int, body: bytes, content_type: str = "application/json", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data, default=_jsonable).encode(), headers=headers)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._json({"error": message}, status, headers)

    def do_GET(self) -> None:
        self._error(405, "POST only")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization")
        authorized = self.app.token is None or auth == f"Bearer {self.app.token}"
        seen = Seen("POST", self.path, authorized, auth, self.headers.get("Content-Type", ""), body)
        self.app.requests.append(seen)
        fault = self.app.faults.take("POST", self.path)
        if fault is not None and self._fault(fault):
            return
        if not authorized:
            self._error(401, "Invalid credentials in Authorization header")
            return
        found = self.app.route(self.path.split("?")[0])
        if found is None:
            self._error(404, f"Model not found: {self.path}")
            return
        served, rest = found
        try:
            if rest in ("/v1/chat/completions", "/chat/completions"):
                self._chat(served, json.loads(body), malformed=bool(fault and fault.malformed))
            elif rest in (
                "",
                "/",
                f"/pipeline/{served.task}",
                "/pipeline/feature-extraction",
                "/pipeline/sentence-similarity",
            ):
                if served.openai_only:
                    self._error(404, "Not Found: this server has the OpenAI-compatible routes only")
                    return
                self._task(served, body, seen.content_type, malformed=bool(fault and fault.malformed))
            else:
                self._error(404, f"No route {rest}")
        except (BrokenPipeError, ConnectionResetError):
            self.app.aborted_streams += 1
        except (ValueError, KeyError, TypeError) as exc:
            self._error(422, f"Input validation error: {exc}")

    def _fault(self, fault: Fault) -> bool:
        """Answer with ``fault``; False when only a delay (or a malformed answer, done by the route) applies."""
        if fault.delay:
            time.sleep(fault.delay)
        if fault.disconnect:
            self.close_connection = True
            self.connection.close()
            return True
        if fault.status is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 and fault.retry_after else {}
            self._error(fault.status, fault.message or f"injected HTTP {fault.status}", headers)
            return True
        return False  # a delay alone, or a malformed answer (each route breaks its own shape)

    # -- tasks -----------------------------------------------------------------------------------------------

    def _inputs(self, body: bytes, content_type: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        if content_type.startswith("application/json"):
            payload = json.loads(body)
            return payload.get("inputs"), payload.get("parameters") or {}, payload
        return body, {}, {}

    def _task(self, served: Served, body: bytes, content_type: str, *, malformed: bool) -> None:
        app, task = self.app, served.task
        inputs, params, payload = self._inputs(body, content_type)
        if task in ("feature-extraction", "sentence-similarity"):  # one embedding model serves both, as on the Hub
            is_pair = isinstance(inputs, dict) and "source_sentence" in inputs
            task = "sentence-similarity" if is_pair else "feature-extraction"
        if task in ("text-generation", *SEQ2SEQ_TASKS):
            # TGI's generate route; seq2seq models answer it too, and the summarization/translation routes
            params = {**params, **(params.get("generate_parameters") or {})}
            with app._lock:
                ids, pieces = _generate(
                    app._engine(served), SEQ2SEQ_TASKS.get(task, "") + inputs, params, seq2seq=task != "text-generation"
                )
            if payload.get("stream"):
                self._sse_tokens(ids, pieces, malformed=malformed)
            elif malformed:
                self._send(200, b'[{"generated_text": "trunc', "application/json")
            else:
                key = {"summarization": "summary_text", "translation": "translation_text"}.get(task, "generated_text")
                self._json([{key: "".join(pieces)}])
            return
        if malformed:
            self._send(200, b'[{"label": "trunc', "application/json")
            return
        with app._lock:
            answer = _answer(task, app._engine(served), inputs, params)
        self._json(answer)

    def _sse_tokens(self, ids: list[int], pieces: list[str], *, malformed: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.close_connection = True
        for n, (tid, text) in enumerate(zip(ids, pieces)):
            last = n == len(ids) - 1
            event = {
                "index": n + 1,
                "token": {"id": tid, "text": text, "logprob": -1.0, "special": False},
                "generated_text": "".join(pieces) if last else None,
                "details": None,
            }
            line = json.dumps(event)
            if malformed:
                line = line[: len(line) // 2]
            self.wfile.write(f"data:{line}\n\n".encode())
            self.wfile.flush()
            if self.app.token_delay:
                time.sleep(self.app.token_delay)

    def _chat(self, served: Served, payload: dict[str, Any], *, malformed: bool) -> None:
        app = self.app
        messages = payload.get("messages") or []
        with app._lock:
            tokenizer = app._engine(served)[0]
        if getattr(tokenizer, "chat_template", None):  # an instruct model: its own template, as TGI and vLLM do
            prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:
            prompt = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
        if not isinstance(prompt, str):
            raise TypeError("text content only")
        params = {
            "max_new_tokens": payload.get("max_tokens") or 20,
            "temperature": payload.get("temperature"),
            "top_p": payload.get("top_p"),
            "seed": payload.get("seed"),
        }
        if params["temperature"]:
            params["do_sample"] = True
        with app._lock:
            _ids, pieces = _generate(
                app._engine(served),
                SEQ2SEQ_TASKS.get(served.task, "") + prompt,
                params,
                seq2seq=served.task != "text-generation",
            )
        created = int(time.time())
        if not payload.get("stream"):
            self._json(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": created,
                    "model": served.name,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "length",
                            "message": {"role": "assistant", "content": "".join(pieces)},
                        }
                    ],
                }
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.close_connection = True
        for text in pieces:
            chunk = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": created,
                "model": served.name,
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}],
            }
            line = json.dumps(chunk)
            self.wfile.write(f"data: {line[: len(line) // 2] if malformed else line}\n\n".encode())
            self.wfile.flush()
            if app.token_delay:
                time.sleep(app.token_delay)
        self.wfile.write(b"data: [DONE]\n\n")


def _generate(engine: Any, prompt: str, params: dict[str, Any], *, seq2seq: bool) -> tuple[list[int], list[str]]:
    """Greedy (or sampled) generation; the new token ids and the text each adds (they join to the decoded text)."""
    import torch

    tokenizer, model = engine
    kwargs: dict[str, Any] = {"max_new_tokens": int(params.get("max_new_tokens") or 20)}
    if params.get("do_sample") or params.get("temperature"):
        kwargs.update(do_sample=True, temperature=float(params.get("temperature") or 1.0))
        if params.get("top_p") is not None:
            kwargs["top_p"] = float(params["top_p"])
    else:
        kwargs["do_sample"] = False
    if params.get("seed") is not None:
        torch.manual_seed(int(params["seed"]))
    batch = tokenizer(prompt, return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**batch, **kwargs, pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
    new = out[0].tolist() if seq2seq else out[0, batch["input_ids"].shape[1] :].tolist()
    special = set(tokenizer.all_special_ids)
    new = [t for t in new if t not in special]  # TGI marks them special; the pipelines skip them
    pieces, before = [], ""
    for n in range(len(new)):
        text = tokenizer.decode(new[: n + 1], skip_special_tokens=True)
        pieces.append(text[len(before) :])
        before = text
    return new, pieces


def _answer(task: str, engine: Any, inputs: Any, params: dict[str, Any]) -> Any:
    """The HF Inference API's answer for the non-generating tasks, in the shapes InferenceClient parses."""
    from lib.tryit.outputs import cosine, embeddings

    if task == "fill-mask":
        return engine(inputs)
    if task == "text-classification":
        return [engine(inputs, top_k=None)]  # one list per input, as the API answers
    if task == "token-classification":
        return engine(inputs, aggregation_strategy=params.get("aggregation_strategy") or "simple")
    if task == "question-answering":
        return engine(question=inputs["question"], context=inputs["context"])
    if task == "zero-shot-classification":
        out = engine(inputs, candidate_labels=params["candidate_labels"])
        return [{"label": lab, "score": s} for lab, s in zip(out["labels"], out["scores"])]
    if task == "feature-extraction":
        return engine(inputs)
    if task == "sentence-similarity":
        source, *rest = embeddings([engine(t) for t in [inputs["source_sentence"], *inputs["sentences"]]])
        return [cosine(source, v) for v in rest]
    if task in ("image-classification", "object-detection", "image-to-text"):
        from PIL import Image

        raw = base64.b64decode(inputs) if isinstance(inputs, str) else inputs
        image = Image.open(io.BytesIO(raw)).convert("RGB")
        if task == "image-to-text":
            out = engine(images=image, text="", max_new_tokens=int(params.get("max_new_tokens") or 10))
            return [{"generated_text": out[0]["generated_text"]}]
        return engine(image, threshold=params.get("threshold", 0.0)) if task == "object-detection" else engine(image)
    if task == "automatic-speech-recognition":
        raw = base64.b64decode(inputs) if isinstance(inputs, str) else inputs
        return engine(_decode_audio(raw))
    raise ValueError(f"task {task} is not served here")
