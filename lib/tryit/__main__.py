"""Quick trials from a terminal.

    python -m lib.tryit --model PATH_OR_REPO_ID --task TASK --input TEXT_OR_JSON [--json]
        [--device cpu] [--dtype float32] [--max-new-tokens N] [--temperature T] [--top-p P] [--seed S]
        [--trust-remote-code]

``--json`` prints ``{"output": ..., "load_ms": ..., "run_ms": ...}``. Errors print one line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lib.tryit", description="Run a model on one input.")
    p.add_argument("--model", required=True, help="a Hub repo id or a local model folder")
    p.add_argument("--task", required=True, help="a task of the try-it table (e.g. fill-mask)")
    p.add_argument("--input", required=True, help="text, or JSON in the Hub widget's shape")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default=None)
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--temperature", type=float, default=None)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--trust-remote-code", action="store_true",
                   help="consent to run this model's own Python code from its repository")
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
    from lib.errors import HubExplorerError
    from lib.tryit.tasks import get_task, parse_input

    try:
        get_task(args.task)  # fail fast, before the heavy imports
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from lib.tryit.runner import Generation, run

        gen = Generation(max_new_tokens=args.max_new_tokens, temperature=args.temperature, top_p=args.top_p,
                         seed=args.seed)
        result = run(args.model, args.task, parse_input(args.input), device=args.device, dtype=args.dtype,
                     generation=gen, consent_remote_code=args.trust_remote_code, token=os.environ.get("HF_TOKEN"))
    except HubExplorerError as exc:
        print(f"error: {exc.title}: {exc}", file=sys.stderr)
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
