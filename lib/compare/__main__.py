"""`python -m lib.compare ID [ID ...] [--json] [--catalog] [--markdown]`: models side by side.

`--json` prints {"models": [ids], "rows": [{"field", "values", "differs"}]} (values are JSON scalars, null when
unknown); models that cannot be read are left out and named on stderr. The Hub is `HF_ENDPOINT`, as for the app;
`--catalog` answers from the local catalog in `HUB_EXPLORER_HOME` instead. Exit status 1 when no model could be
read, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys

from lib.compare.facts import MAX_MODELS, gather, parse_ids
from lib.compare.table import compare, show, to_markdown
from lib.errors import HubExplorerError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib.compare", description="Compare Hub models side by side.")
    parser.add_argument("ids", nargs="+", metavar="ID", help=f"model ids (owner/name), 1 to {MAX_MODELS}")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the comparison as JSON")
    out.add_argument("--markdown", action="store_true", help="print a Markdown table (for meeting notes)")
    parser.add_argument("--catalog", action="store_true", help="answer from the local catalog, not the live Hub")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    ids, notes = parse_ids(args.ids)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not ids:
        print("error: no valid model id given", file=sys.stderr)
        return 2
    from lib.hub.http import configure
    from lib.settings import load_settings

    settings = load_settings()
    configure(settings)  # the fail-fast, time-bounded HTTP client the pages use
    try:
        if args.catalog:
            from lib.catalog import Catalog
            from lib.compare.sources import CatalogFacts

            catalog = Catalog.open(settings.home)
            if not catalog.exists or not catalog.has("models"):
                print(f"error: no local catalog of models in {settings.home} (python -m lib.catalog load ...)",
                      file=sys.stderr)
                return 1
            source = CatalogFacts(catalog)
        else:
            from lib.compare.sources import HubFacts
            from lib.hub import HubClient

            source = HubFacts(HubClient(settings))
        comparison = compare(gather(ids, source))
    except HubExplorerError as exc:
        print(f"error: {exc.title}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    for model, why in comparison.errors.items():
        print(f"error: {model}: {why}", file=sys.stderr)
    if not comparison.models:
        return 1
    if args.json:
        print(json.dumps(comparison.as_json()))
    elif args.markdown:
        print(to_markdown(comparison, settings.endpoint), end="")
    else:
        width = max(len(r.label) for r in comparison.rows)
        print(" " * width + "  " + "  ".join(comparison.models))
        for row in comparison.rows:
            mark = "*" if row.differs else " "
            print(f"{row.label:<{width}}{mark} " + "  ".join(show(v, row.format) for v in row.values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
