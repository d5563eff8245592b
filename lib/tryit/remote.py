"""Run a try-it input remotely through ``huggingface_hub.InferenceClient`` instead of on this machine.

Two ways to reach a model:

* ``endpoint=URL``: any TGI-compatible server or Inference Endpoint. The client POSTs every task to that URL
  (``{"inputs": ..., "parameters": ...}``, images and audio as raw bytes); text generation streams as TGI's
  server-sent events (``data: {"token": {"text": ...}}``). A server with only the OpenAI-compatible routes (vLLM)
  answers the TGI route with 404/405; generation then goes through ``URL/v1/chat/completions`` instead.
* ``provider=NAME`` with ``model=`` a Hub repo id: Inference Providers through Hugging Face's router (the provider
  mapping is read from the Hub). Providers that serve a model only as chat get the chat route.

The client's typed answers are turned back into the raw shapes the local pipelines produce, then through the
same task-table post-processing (:mod:`lib.tryit.tasks`), so a page renders a remote answer with the same
renderer. Every failure leaves as an app error (:mod:`lib.errors`); the token travels only in the
``Authorization`` header and never appears in a message, and the saved Hugging Face login is never sent to an
endpoint URL on its own (only a token given for it). Nothing here imports torch or transformers.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from lib import errors
from lib.tryit.endpoints import Target, target, timeout
from lib.tryit.runner import Generation, RunResult
from lib.tryit.tasks import TaskSpec, get_task, similarity_input

# tasks whose answer can arrive token by token (TGI's /generate_stream shape, or chat deltas)
STREAMING_TASKS = ("text-generation", "text2text-generation")


# ------------------------------------------------------------------------------------------------- errors


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _server_text(exc: BaseException) -> str:
    """The server's own error message, when it sent one as ``{"error": "..."}``."""
    response = getattr(exc, "response", None)
    if response is None:
        return ""
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - a streamed, closed or non-JSON body: no message to add
        return ""
    err = body.get("error") if isinstance(body, dict) else None
    return " ".join(str(err).split())[:300] if err else ""


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def translate(exc: BaseException, *, where: str, token: str | None = None) -> errors.HubExplorerError:
    """The app error for a failure while asking ``where`` (an endpoint's origin or a provider) to run a model."""
    from huggingface_hub import errors as hf_errors

    hint_server = f"Check that {where} is running and reachable from here, then retry."
    if isinstance(exc, errors.RateLimitedError):  # raised by lib.hub.http's transport when it is installed
        return errors.RateLimitedError(f"{where} is rate limiting requests (HTTP 429).", retry_after=exc.retry_after)
    if isinstance(exc, errors.HubUnreachableError):
        return errors.HubUnreachableError(f"Could not reach {where}: {exc}", hint=hint_server)
    if isinstance(exc, errors.HubUnavailableError):
        return errors.HubUnavailableError(f"{where} failed: {exc}", hint="The server had an error; try again shortly.")
    if isinstance(exc, errors.HubExplorerError):
        return exc
    if isinstance(exc, hf_errors.InferenceTimeoutError):
        return errors.HubUnreachableError(
            f"{where} did not answer within {timeout():g} s.",
            hint=hint_server + " A cold endpoint may need a minute to start.",
        )
    name = type(exc).__name__
    if name in ("OverloadedError",):
        return errors.HubUnavailableError(f"{where} is overloaded: {_scrub(str(exc), token)[:300]}")
    if name in ("ValidationError",) and type(exc).__module__.startswith("huggingface_hub"):
        return errors.InvalidQueryError(f"{where} rejected the input: {_scrub(str(exc), token)[:300]}")
    if name in ("GenerationError", "IncompleteGenerationError", "UnknownError"):
        return errors.HubExplorerError(f"{where} failed to generate: {_scrub(str(exc), token)[:300]}")
    if isinstance(
        exc, (hf_errors.RepositoryNotFoundError, hf_errors.GatedRepoError, hf_errors.HFValidationError)
    ) and where.startswith("provider"):
        from lib.hub.http import translate as hub_translate

        return hub_translate(exc)
    if isinstance(exc, hf_errors.HfHubHTTPError):
        status = _status(exc)
        said = _scrub(_server_text(exc), token)
        detail = f": {said}" if said else "."
        if status == 401:
            return errors.AccessError(
                f"{where} refused the token (HTTP 401){detail}",
                hint="Give a valid token (HF_TOKEN, or the token field) for this endpoint.",
            )
        if status == 403:
            return errors.AccessError(
                f"{where} refused access (HTTP 403){detail}", hint="The token has no access to this endpoint or model."
            )
        if status == 404:
            return errors.NotFoundError(
                f"{where} has no such model or route (HTTP 404){detail}",
                hint="Check the endpoint URL (path included) or the model id.",
            )
        if status == 429:
            from lib.hub.http import retry_after_seconds

            wait = retry_after_seconds(exc.response.headers) if exc.response is not None else None
            return errors.RateLimitedError(f"{where} is rate limiting requests (HTTP 429).", retry_after=wait)
        if status is not None and status >= 500:
            return errors.HubUnavailableError(
                f"{where} answered HTTP {status}{detail}",
                hint="The server had an error or is loading the model; try again.",
            )
        if status in (400, 413, 422):
            return errors.InvalidQueryError(f"{where} rejected the input (HTTP {status}){detail}")
        return errors.HubExplorerError(f"{where} answered HTTP {status}{detail}")
    import httpx2

    if isinstance(exc, httpx2.TimeoutException):
        return errors.HubUnreachableError(f"{where} did not answer in time.", hint=hint_server)
    if isinstance(exc, (httpx2.NetworkError, httpx2.RemoteProtocolError, ConnectionError)):
        return errors.HubUnreachableError(f"Could not connect to {where}.", hint=hint_server)
    if isinstance(exc, httpx2.HTTPError):
        return errors.HubUnreachableError(f"The request to {where} failed ({name}).", hint=hint_server)
    text = _scrub(str(exc), token).splitlines()[0][:300] if str(exc) else name
    if isinstance(exc, ValueError) and ("provider" in text.lower() or "not supported" in text.lower()):
        return errors.InvalidQueryError(text, hint="Pick a provider that serves this model for this task.")
    if isinstance(exc, (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, IndexError)):
        return errors.MalformedAnswerError(
            f"{where} sent an answer that could not be read ({name}).",
            hint="Is this a TGI/Inference-API compatible endpoint for this task?",
        )
    return errors.HubExplorerError(f"Remote run on {where} failed ({name}): {text}")


# ------------------------------------------------------------------------------------------------- the calls


def _client(target: str, provider: str | None, token: str | None) -> Any:
    """An InferenceClient for one run.

    With ``token=None`` InferenceClient falls back to the saved Hugging Face login (or ``HF_TOKEN``). That is
    right for Inference Providers (Hugging Face's router), but an endpoint URL may be anyone's server: there no
    token is sent unless one was given for it (a ``None`` header is dropped by the client).
    """
    from huggingface_hub import InferenceClient

    headers = {"authorization": None} if provider is None and not token else None
    return InferenceClient(model=target, provider=provider, token=token or None, timeout=timeout(), headers=headers)


def _gen_params(gen: Generation) -> dict[str, Any]:
    out: dict[str, Any] = {"max_new_tokens": gen.max_new_tokens}
    if gen.temperature:
        out.update(do_sample=True, temperature=gen.temperature)
        if gen.top_p is not None:
            out["top_p"] = gen.top_p
    if gen.seed is not None:
        out["seed"] = gen.seed
    return out


def _chat_params(gen: Generation) -> dict[str, Any]:
    out: dict[str, Any] = {"max_tokens": gen.max_new_tokens, "temperature": gen.temperature or 0.0}
    if gen.temperature and gen.top_p is not None:
        out["top_p"] = gen.top_p
    if gen.seed is not None:
        out["seed"] = gen.seed
    return out


def _use_chat(exc: BaseException, provider: str | None) -> bool:
    """True when the TGI text-generation route is not there but the chat route may be (vLLM, chat providers)."""
    from huggingface_hub import errors as hf_errors

    if isinstance(exc, hf_errors.HfHubHTTPError):
        return _status(exc) in (404, 405)
    return provider is not None and isinstance(exc, ValueError) and "not supported" in str(exc)


def _token_stream(client: Any, text: str, gen: Generation, provider: str | None) -> Iterator[str]:
    """Token texts as the server produces them: TGI's SSE stream, else the chat route's deltas."""
    try:
        pieces = iter(client.text_generation(text, stream=True, **_gen_params(gen)))
        first = next(pieces, None)
    except Exception as exc:
        if not _use_chat(exc, provider):
            raise
        chunks = client.chat_completion(messages=[{"role": "user", "content": text}], stream=True, **_chat_params(gen))
        for chunk in chunks:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                yield delta
        return
    if first is None:
        return
    yield first
    yield from pieces


def _prepare_stream(
    task: str, value: Any, *, model: str, endpoint: str | None, provider: str | None, token: str | None
) -> tuple[str, Target]:
    """The checks done before any request; (prompt, the target)."""
    spec = get_task(task)
    if spec.task not in STREAMING_TASKS:
        raise errors.InvalidQueryError(
            f"{spec.task} is not streamed; streaming applies to {', '.join(STREAMING_TASKS)}.",
            hint="Run it without streaming (run_remote).",
        )
    prompt = spec.prepare(value).args[0]
    return prompt, target(model, endpoint, provider, token=token)


def _pieces(
    client: Any,
    prompt: str,
    *,
    provider: str | None,
    where: str,
    token: str | None,
    gen: Generation,
    stop: threading.Event | None,
    counter: list[int],
) -> Iterator[str]:
    try:
        for piece in _token_stream(client, prompt, gen, provider):
            counter[0] += 1
            yield piece
            if stop is not None and stop.is_set():
                break
    except GeneratorExit:
        raise
    except Exception as exc:
        raise translate(exc, where=where, token=token) from exc
    finally:
        client.close()  # closes a stream left open by a stop: the server sees the connection go


def stream_remote(
    task: str,
    value: Any,
    *,
    model: str,
    endpoint: str | None = None,
    provider: str | None = None,
    token: str | None = None,
    generation: Generation | None = None,
    stop: threading.Event | None = None,
) -> Iterator[str]:
    """The generated text piece by piece (one token per piece, as the server sends them).

    ``stop`` is checked between tokens: once set, the stream ends and the connection is closed. Only the tasks in
    ``STREAMING_TASKS`` stream; others raise ``InvalidQueryError`` (use :func:`run_remote`). The task, the input
    and the endpoint URL are checked at once, before any request; the server's errors come on iteration.
    """
    prompt, to = _prepare_stream(task, value, model=model, endpoint=endpoint, provider=provider, token=token)
    client = _client(to.model, to.provider, token)
    return _pieces(
        client,
        prompt,
        provider=to.provider,
        where=to.where,
        token=token,
        gen=generation or Generation(),
        stop=stop,
        counter=[0],
    )


def _plain(obj: Any) -> Any:
    """The client's typed answers (dict subclasses, numpy arrays) -> plain JSON-able data."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _generated(item: Any, *keys: str) -> str:
    for key in keys:
        value = item.get(key) if isinstance(item, dict) else getattr(item, key, None)
        if isinstance(value, str):
            return value
    raise errors.MalformedAnswerError(f"The answer has no {' or '.join(keys)}.")


def _media(arg: Any, task: str) -> Any:
    """What the client can send for an image or audio input: bytes, a PIL image, a URL or an existing file.

    Decoded audio in the pipelines' shape (``{"raw": samples, "sampling_rate": n}``) is sent as a 16-bit WAV.
    """
    if isinstance(arg, dict) and "raw" in arg and "sampling_rate" in arg:
        import io
        import wave

        import numpy as np

        samples = np.clip(np.asarray(arg["raw"], dtype="float32"), -1.0, 1.0)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(int(arg["sampling_rate"]))
            wav.writeframes((samples * 32767).astype("<i2").tobytes())
        return buffer.getvalue()
    if isinstance(arg, os.PathLike):
        arg = os.fspath(arg)
    if isinstance(arg, str) and not arg.startswith(("http://", "https://")) and not os.path.isfile(arg):
        raise errors.InvalidQueryError(f"{task}: no file at {arg}.", hint="Give an existing file, a URL or bytes.")
    if isinstance(arg, (str, bytes, bytearray)) or hasattr(arg, "read") or type(arg).__module__.startswith("PIL"):
        return arg
    raise errors.InvalidQueryError(
        f"{task} cannot send a {type(arg).__name__} remotely.", hint="Give a file path, a URL, bytes or an image."
    )


def _call(spec: TaskSpec, client: Any, value: Any, gen: Generation) -> Any:
    """One client call; returns the raw answer in the shape the local pipeline gives for ``spec.task``."""
    task = spec.task
    if task == "sentence-similarity":
        source, sentences = similarity_input(value)
        return _plain(client.sentence_similarity(source, other_sentences=sentences))
    call = spec.prepare(value)
    arg = call.args[0] if call.args else None
    if spec.input_kind in ("image", "audio"):  # the file as given (prepare() decodes it for a local pipeline)
        given = value.get("inputs", value.get(spec.input_kind)) if isinstance(value, dict) and "raw" not in value \
            else value
        arg = _media(given, task)
    if task == "fill-mask":
        return _plain(client.fill_mask(arg))
    if task == "text-classification":
        if isinstance(arg, dict):
            raise errors.InvalidQueryError("Remote text-classification takes one text (pairs run locally only).")
        return _plain(client.text_classification(arg))
    if task == "token-classification":
        # per-token B-/I- tags, as the local pipeline answers: the renderer merges them into spans the same way
        return _plain(client.token_classification(arg, aggregation_strategy="none"))
    if task == "question-answering":
        answer = client.question_answering(question=call.kwargs["question"], context=call.kwargs["context"])
        return _plain(answer[0] if isinstance(answer, list) else answer)
    if task == "zero-shot-classification":
        items = _plain(client.zero_shot_classification(arg, candidate_labels=call.kwargs["candidate_labels"]))
        return {"sequence": arg, "labels": [i["label"] for i in items], "scores": [i["score"] for i in items]}
    if task == "feature-extraction":
        return _plain(client.feature_extraction(arg))
    if task == "summarization":
        out = client.summarization(arg, generate_parameters=_gen_params(gen))
        return [{"summary_text": _generated(out, "summary_text", "generated_text")}]
    if task == "translation":
        out = client.translation(arg, generate_parameters=_gen_params(gen))
        return [{"translation_text": _generated(out, "translation_text", "generated_text")}]
    if task == "image-classification":
        return _plain(client.image_classification(arg))
    if task == "object-detection":
        return _plain(client.object_detection(arg))
    if task == "image-to-text":
        return [{"generated_text": _generated(client.image_to_text(arg), "generated_text")}]
    if task == "automatic-speech-recognition":
        return _plain(client.automatic_speech_recognition(arg))
    raise errors.InvalidQueryError(f"{task} cannot run remotely here.")  # pragma: no cover - the table is covered


def run_remote(
    task: str,
    value: Any,
    *,
    model: str,
    endpoint: str | None = None,
    provider: str | None = None,
    token: str | None = None,
    generation: Generation | None = None,
) -> RunResult:
    """Run ``value`` for ``task`` on a remote endpoint or provider; the answer post-processed as a local run's.

    ``load_ms`` is 0 (loading happens on the server). For the generating text tasks ``tokens`` counts the streamed
    tokens and ``tokens_per_s`` is that over the run time (network included).
    """
    spec = get_task(task)
    if spec.task == "sentence-similarity":  # a bad input is refused here, before any request
        similarity_input(value)
    else:
        spec.prepare(value)
    gen = generation or Generation()
    t0 = time.perf_counter()
    tokens: int | None = None
    if spec.task in STREAMING_TASKS:
        counter = [0]
        prompt, to = _prepare_stream(task, value, model=model, endpoint=endpoint, provider=provider, token=token)
        client = _client(to.model, to.provider, token)
        text = "".join(
            _pieces(client, prompt, provider=to.provider, where=to.where, token=token, gen=gen, stop=None,
                    counter=counter)
        )
        run_ms = (time.perf_counter() - t0) * 1000
        # a local text-generation pipeline answers prompt + continuation; text2text answers the new text only
        raw: Any = [{"generated_text": prompt + text if spec.task == "text-generation" else text}]
        tokens = counter[0]
    else:
        to = target(model, endpoint, provider, token=token)
        client = _client(to.model, to.provider, token)
        try:
            raw = _call(spec, client, value, gen)
        except errors.InvalidQueryError:
            raise
        except Exception as exc:
            raise translate(exc, where=to.where, token=token) from exc
        finally:
            client.close()
        run_ms = (time.perf_counter() - t0) * 1000
    try:
        # sentence-similarity answers the scores themselves; the local path computes them from embeddings
        output = [float(s) for s in raw] if spec.task == "sentence-similarity" else spec.postprocess(raw, value)
    except errors.HubExplorerError:
        raise
    except Exception as exc:
        raise errors.MalformedAnswerError(
            f"The remote answer for {spec.task} did not have the expected shape ({type(exc).__name__})."
        ) from exc
    tps = tokens / (run_ms / 1000) if tokens and run_ms > 0 else None
    return RunResult(
        task=spec.task,
        model=model,
        output=output,
        raw=raw,
        load_ms=0.0,
        run_ms=run_ms,
        from_cache=False,
        tokens=tokens,
        tokens_per_s=tps,
    )
