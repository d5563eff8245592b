"""Run a try-it input remotely through ``huggingface_hub.InferenceClient`` instead of on this machine.

Two ways to reach a model (checked by :mod:`lib.tryit.endpoints` before any request):

* ``endpoint=URL``: any TGI-compatible server or Inference Endpoint. The client POSTs every task to that URL
  (``{"inputs": ..., "parameters": ...}``, images and audio as raw bytes); text generation streams as TGI's
  server-sent events (``data: {"token": {"text": ...}}``). A server with only the OpenAI-compatible routes (vLLM)
  answers the TGI route with 404/405; generation then goes through ``URL/v1/chat/completions`` instead.
* ``provider=NAME`` with ``model=`` a Hub repo id: Inference Providers through Hugging Face's router (the provider
  mapping is read from the Hub). Providers that serve a model only as chat get the chat route.

The chat row (messages through the model's chat template) always takes the chat completion route, streamed.

Each task row's remote call (:mod:`lib.tryit.remote_calls`) gives the answer in the local pipeline's raw shape, and
the row's post-processing makes of it what a local run shows: :func:`run_remote` and :func:`stream_remote` return
what :func:`lib.tryit.runner.run` and :func:`lib.tryit.runner.stream` return. Every failure leaves as an app error;
the token travels only in the ``Authorization`` header, never appears in a message, and only goes where
:mod:`lib.tryit.endpoints` lets it. Nothing here imports torch or transformers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lib import errors
from lib.translate import translate
from lib.tryit.endpoints import Target, target, timeout
from lib.tryit.remote_calls import generate_parameters
from lib.tryit.tasks import TASKS, TaskSpec, get_task
from lib.tryit.trial import Generation, RunResult


def _client(to: Target, token: str | None) -> Any:
    """An InferenceClient for one run.

    With ``token=None`` InferenceClient falls back to the saved Hugging Face login (or ``HF_TOKEN``). That is
    right for Inference Providers (Hugging Face's router), but an endpoint URL may be anyone's server: there no
    token is sent unless one was given for it (a ``None`` header is dropped by the client).
    """
    from huggingface_hub import InferenceClient

    headers = {"authorization": None} if to.is_endpoint and not token else None
    return InferenceClient(model=to.model, provider=to.provider, token=token or None, timeout=timeout(),
                           headers=headers)


def _error(exc: BaseException, to: Target, token: str | None) -> errors.HubExplorerError:
    """A failure while asking ``to``, as the app's error (the token scrubbed from any text kept)."""
    return translate(exc, service="endpoint" if to.is_endpoint else "provider", where=to.where, token=token)


def _chat_params(gen: Generation) -> dict[str, Any]:
    out: dict[str, Any] = {"max_tokens": gen.max_new_tokens, "temperature": gen.temperature or 0.0}
    if gen.temperature and gen.top_p is not None:
        out["top_p"] = gen.top_p
    if gen.seed is not None:
        out["seed"] = gen.seed
    return out


def _use_chat(exc: BaseException, provider: str | None) -> bool:
    """True when the TGI text-generation route is not there but the chat route may be (vLLM, chat providers).

    huggingface_hub says a provider lacks a task with a plain ``ValueError`` (no class of its own).
    """
    from huggingface_hub import errors as hf_errors

    if isinstance(exc, hf_errors.HfHubHTTPError):
        return exc.response is not None and exc.response.status_code in (404, 405)
    return provider is not None and isinstance(exc, ValueError) and "not supported" in str(exc)


def _token_stream(client: Any, text: str, gen: Generation, provider: str | None) -> Iterator[str]:
    """Token texts as the server produces them: TGI's SSE stream, else the chat route's deltas."""
    try:
        pieces = iter(client.text_generation(text, stream=True, **generate_parameters(gen)))
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


def _chat_stream(client: Any, messages: list[dict[str, str]], gen: Generation) -> Iterator[str]:
    """The assistant's answer to ``messages`` as the server produces it (the chat completion route: the server
    applies the model's chat template)."""
    for chunk in client.chat_completion(messages=messages, stream=True, **_chat_params(gen)):
        delta = chunk.choices[0].delta.content if chunk.choices else None
        if delta:
            yield delta


def _checked(task: str, value: Any, model: str, endpoint: str | None, provider: str | None,
             token: str | None) -> tuple[TaskSpec, Any, Target]:
    """The checks done before any request: the task, the input's shape, the target and where the token may go."""
    spec = get_task(task)
    prepared = spec.prepare(value)
    return spec, prepared, target(model, endpoint, provider, token=token)


def _output(spec: TaskSpec, raw: Any, value: Any) -> Any:
    """The row's post-processing of a remote answer; a shape it cannot read is a malformed answer."""
    try:
        return (spec.remote_output or spec.postprocess)(raw, value)
    except errors.HubExplorerError:
        raise
    except Exception as exc:
        raise errors.MalformedAnswerError(
            f"The remote answer for {spec.task} did not have the expected shape ({type(exc).__name__})."
        ) from exc


@dataclass
class _Stream:
    """What a remote stream has produced so far."""

    parts: list[str] = field(default_factory=list)
    started: float | None = None
    ended: float | None = None
    stopped: bool = False
    error: errors.HubExplorerError | None = None


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
) -> tuple[Iterator[str], Callable[[], RunResult]]:
    """Like :func:`lib.tryit.runner.stream`, on a server: ``(pieces, result)``.

    Iterate ``pieces`` for the generated text as the server sends it (one token per piece); ``result()`` gives the
    ``RunResult`` once the stream has ended (reading the rest first if needed): the row's output, the tokens
    counted and tokens/s over the run (network included), ``stopped`` when ``stop`` (or abandoning ``pieces``) ended
    it early, which also closes the connection. Only the rows that stream remotely stream; others raise
    ``InvalidQueryError`` (use :func:`run_remote`). The task, the input, the target and the token's way are checked
    at once, before any request; the server's errors come on iteration.
    """
    spec, prepared, to = _checked(task, value, model, endpoint, provider, token)
    if not spec.streams_remotely:
        streaming = ", ".join(name for name, row in TASKS.items() if row.streams_remotely)
        raise errors.InvalidQueryError(
            f"{spec.task} is not streamed; streaming applies to {streaming}.", hint="Run it without streaming."
        )
    prompt = prepared.args[0]
    gen = generation or Generation()
    client = _client(to, token)
    state = _Stream()

    def pieces() -> Iterator[str]:
        state.started = time.perf_counter()
        finished = False
        try:
            produced = _chat_stream(client, prompt, gen) if spec.chat else _token_stream(client, prompt, gen,
                                                                                           to.provider)
            for piece in produced:
                state.parts.append(piece)
                yield piece
                if stop is not None and stop.is_set():
                    state.stopped = True
                    break
            finished = True
        except GeneratorExit:
            raise
        except Exception as exc:
            state.error = _error(exc, to, token)
            raise state.error from exc
        finally:
            state.ended = time.perf_counter()
            state.stopped = state.stopped or not finished and state.error is None
            client.close()  # closes a stream left open by a stop: the server sees the connection go

    stream = pieces()

    def result() -> RunResult:
        if state.ended is None:
            for _ in stream:  # read to the end (run_remote, or a caller that did not iterate)
                pass
        if state.error is not None:
            raise state.error
        text = "".join(state.parts)
        run_ms = ((state.ended or 0.0) - (state.started or 0.0)) * 1000
        # a local text-generation pipeline answers prompt + continuation; text2text answers the new text only
        raw = [{"generated_text": prompt + text if spec.prompt_in_output else text}]
        tokens = len(state.parts)
        return RunResult(task=spec.task, model=model, output=_output(spec, raw, value), raw=raw, load_ms=0.0,
                         run_ms=run_ms, from_cache=False, tokens=tokens,
                         tokens_per_s=tokens / (run_ms / 1000) if tokens and run_ms > 0 else None,
                         stopped=state.stopped)

    return stream, result


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

    ``load_ms`` is 0 (loading happens on the server). For the rows that stream, ``tokens`` counts the streamed
    tokens and ``tokens_per_s`` is that over the run time (network included).
    """
    spec, prepared, to = _checked(task, value, model, endpoint, provider, token)
    gen = generation or Generation()
    if spec.streams_remotely:
        _, result = stream_remote(task, value, model=model, endpoint=endpoint, provider=provider, token=token,
                                  generation=gen)
        return result()
    assert spec.remote is not None
    client = _client(to, token)
    t0 = time.perf_counter()
    try:
        raw = spec.remote(client, value, prepared, gen)
    except errors.InvalidQueryError:
        raise
    except Exception as exc:
        raise _error(exc, to, token) from exc
    finally:
        client.close()
    run_ms = (time.perf_counter() - t0) * 1000
    return RunResult(task=spec.task, model=model, output=_output(spec, raw, value), raw=raw, load_ms=0.0,
                     run_ms=run_ms, from_cache=False)
