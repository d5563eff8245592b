"""Quick trials from a terminal.

    python -m lib.tryit --model PATH_OR_REPO_ID --task TASK --input TEXT_OR_JSON [--json]
        [--device cpu] [--dtype float32] [--max-new-tokens N] [--temperature T] [--top-p P] [--seed S]
        [--trust-remote-code] [--endpoint URL | --provider NAME] [--stream]

``--json`` prints ``{"output": ..., "load_ms": ..., "run_ms": ...}``. Errors print one line and exit 1.
``--endpoint URL`` (a TGI/vLLM-compatible server) or ``--provider NAME`` (Inference Providers, ``--model`` a repo
id) runs remotely through ``huggingface_hub.InferenceClient`` with the same output contract (``load_ms`` is 0);
neither imports torch or transformers. ``--stream`` prints generated text as it arrives (text generation). The
token (``HF_TOKEN``) goes to an endpoint URL too, but never over plain http to another machine (refused).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lib.tryit", description="Run a model on one input.")
    p.add_argument("--model", help="a Hub repo id or a local model folder (with --endpoint: optional, a label)")
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
        action="store_true",
        help="consent to run this model's own Python code from its repository",
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
                consent_remote_code=args.trust_remote_code,
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


if __name__ == "__main__":
    sys.exit(main())
