"""Quick trials from a terminal.

    python -m lib.tryit --model PATH_OR_REPO_ID [--model ...] --task TASK --input TEXT_OR_JSON [--json]
        [--device cpu] [--dtype float32] [--max-new-tokens N] [--temperature T] [--top-p P] [--seed S]
        [--trust-remote-code [ID]] [--endpoint URL | --provider NAME] [--stream]

``--json`` prints ``{"output": ..., "load_ms": ..., "run_ms": ...}``. Errors print one line and exit 1.
``--endpoint URL`` (a TGI/vLLM-compatible server) or ``--provider NAME`` (Inference Providers, ``--model`` a repo
id) runs remotely through ``huggingface_hub.InferenceClient`` with the same output contract (``load_ms`` is 0);
neither imports torch or transformers. ``--stream`` prints generated text as it arrives (text generation). The
token (``HF_TOKEN``) goes to an endpoint URL too, but never over plain http to another machine (refused).

Several ``--model`` run the same input one after another (:mod:`lib.tryit.multi`), models in the order given:
``--json`` prints ``{"runs": [{"model", "output", "load_ms", "run_ms", "peak_mb"}, ...]}`` where a model that cannot
run is ``{"model", "skipped": reason}`` (another task, too large, gated without a token, remote code without
consent: decided from its Hub record before anything is downloaded) and one whose run failed is
``{"model", "error": message}``; ``peak_mb`` is the model's own peak memory (null remotely). Exit status 1 when no
model ran. ``--trust-remote-code`` alone consents for every model given; ``--trust-remote-code ID`` (repeatable)
for that model only. With several models, ``--provider`` sends each to the provider; ``--endpoint`` (one server)
takes one model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lib.tryit", description="Run a model on one input.")
    p.add_argument("--model", action="append", default=[],
                   help="a Hub repo id or a local model folder (with --endpoint: optional, a label); repeat it to "
                        "run the same input through several models")
    p.add_argument("--task", required=True, help="a task of the try-it table (e.g. fill-mask)")
    p.add_argument("--input", required=True, help="text, or JSON in the Hub widget's shape")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default=None)
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--temperature", type=float, default=None)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument(
        "--trust-remote-code",
        nargs="?",
        const="*",
        action="append",
        default=[],
        metavar="ID",
        help="consent to run the model's own Python code from its repository (with an ID: that model's only)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--endpoint", metavar="URL", help="run on this TGI/vLLM-compatible inference server")
    where.add_argument("--provider", metavar="NAME", help="run on this Inference Provider (e.g. hf-inference)")
    p.add_argument(
        "--stream", action="store_true", help="print generated text as it arrives (text generation; not with --json)"
    )
    return p


def _plain(value: Any) -> Any:
    """Numpy scalars and tensors -> JSON-able values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from lib.errors import HubExplorerError, InvalidQueryError
    from lib.tryit.inputs import parse_input
    from lib.tryit.tasks import get_task

    if len(args.model) > 1:
        return _several(args)
    args.model = args.model[0] if args.model else None
    try:
        if not args.model and not args.endpoint:
            raise InvalidQueryError("--model is required (a Hub repo id or a local folder) unless --endpoint is given")
        if args.stream and not (args.endpoint or args.provider):
            raise InvalidQueryError("--stream applies to remote runs (--endpoint or --provider)")
        get_task(args.task)  # fail fast, before the heavy imports
        value = parse_input(args.input)
        from lib.hub.http import configure
        from lib.settings import load_settings

        settings = load_settings()
        configure(settings)  # the fail-fast, time-bounded HTTP client the pages use
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from lib.tryit.trial import Generation

        gen = Generation(
            max_new_tokens=args.max_new_tokens, temperature=args.temperature, top_p=args.top_p, seed=args.seed
        )
        token = settings.token
        if args.endpoint or args.provider:
            from lib.tryit import remote

            where = {"model": args.model or args.endpoint, "endpoint": args.endpoint, "provider": args.provider}
            if args.stream and not args.json:
                pieces, _ = remote.stream_remote(args.task, value, **where, token=token, generation=gen)
                for piece in pieces:
                    print(piece, end="", flush=True)
                print()
                return 0
            result = remote.run_remote(args.task, value, **where, token=token, generation=gen)
        else:
            from lib.tryit.runner import run

            result = run(
                args.model,
                args.task,
                value,
                device=args.device,
                dtype=args.dtype,
                generation=gen,
                consent_remote_code=bool(args.trust_remote_code),
                token=token,
            )
    except HubExplorerError as exc:
        print(f"error: {exc.title}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI contract: one clear line, no traceback
        print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.as_json(), default=_plain))
    else:
        print(json.dumps(result.output, default=_plain, indent=2))
        print(f"load {result.load_ms:.0f} ms, run {result.run_ms:.0f} ms", file=sys.stderr)
    return 0


def _records(models: list[str], settings: Any) -> tuple[list[Any], dict[int, str]]:
    """A record per model (a local folder: a bare one; a repo id: the Hub's), and why a model's record could not be
    read (it is then skipped)."""
    from lib.errors import HubExplorerError
    from lib.hub import HubClient
    from lib.records import ModelRecord
    from lib.tryit.multi import is_folder

    client = None
    records, unread = [], {}
    for n, model in enumerate(models):
        if is_folder(model):
            records.append(ModelRecord(id=model))
            continue
        client = client or HubClient(settings)
        try:
            records.append(client.model(model))
        except HubExplorerError as exc:
            records.append(ModelRecord(id=model))
            unread[n] = f"{exc.title}: {' '.join(str(exc).split())}"
    return records, unread


def _several(args: argparse.Namespace) -> int:
    """The same input through every ``--model``, one after another (lib.tryit.multi)."""
    from dataclasses import replace

    from lib.errors import HubExplorerError, InvalidQueryError
    from lib.tryit.inputs import parse_input
    from lib.tryit.tasks import get_task

    try:
        if args.endpoint:
            raise InvalidQueryError("--endpoint is one server, serving one model: give one --model, or use --provider")
        if args.stream:
            raise InvalidQueryError("--stream applies to one model")
        spec = get_task(args.task)
        value = parse_input(args.input)
        spec.prepare(value)  # the input's shape, before anything is asked of the Hub
        from lib.hub.http import configure
        from lib.settings import load_settings

        settings = load_settings()
        configure(settings)
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from lib.tryit import multi
        from lib.tryit.trial import Generation

        records, unread = _records(args.model, settings)
        consent = set(args.model) if "*" in args.trust_remote_code else set(args.trust_remote_code)
        target = multi.RemoteTarget(provider=args.provider, token=settings.token) if args.provider else None
        planned = multi.plan(records, spec.task, token=settings.token, consent=consent, device=args.device,
                             dtype=args.dtype, remote=target)
        planned = [replace(p, skipped=unread[p.index]) if p.index in unread else p for p in planned]
        gen = Generation(max_new_tokens=args.max_new_tokens, temperature=args.temperature, top_p=args.top_p,
                         seed=args.seed)
        runs = sorted(multi.run_all(planned, value, generation=gen, device=args.device, dtype=args.dtype,
                                    token=settings.token), key=lambda r: r.index)
    except HubExplorerError as exc:
        print(f"error: {exc.title}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps({"runs": [r.as_json() for r in runs]}, default=_plain))
    else:
        for run in runs:
            item = run.as_json()
            print(f"== {run.model}")
            if "output" in item:
                print(json.dumps(item["output"], default=_plain, indent=2))
                peak = f", peak {item['peak_mb']:.1f} MB" if item["peak_mb"] is not None else ""
                print(f"load {item['load_ms']:.0f} ms, run {item['run_ms']:.0f} ms{peak}")
            else:
                print(f"skipped: {item['skipped']}" if "skipped" in item else f"error: {item['error']}")
    return 0 if any(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
