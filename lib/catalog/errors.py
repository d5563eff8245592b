"""The catalog's errors, in the app's tree (`lib.errors`).

```
HubExplorerError
└── CatalogError
    ├── CatalogMissingError     (LookupError)  no catalog (or no data for that kind) under the home folder
    ├── CatalogBusyError        another process is writing the catalog
    ├── DumpError               (ValueError)   a dump file cannot be read or has no usable records
    └── RefreshError            a fetch or refresh from the Hub failed; the catalog was left as it was
```
"""

from __future__ import annotations

from lib.errors import HubExplorerError


class CatalogError(HubExplorerError):
    title = "Local catalog problem"
    hint = "Check the catalog folder (`HUB_EXPLORER_HOME`), or rebuild it with `python -m lib.catalog load`."


class CatalogMissingError(CatalogError, LookupError):
    title = "No local catalog"
    hint = "Load a dump with `python -m lib.catalog load FILE --kind models`, or sync one from the Hub."


class CatalogBusyError(CatalogError):
    title = "Catalog busy"
    hint = "Another process is loading or syncing the catalog; try again when it has finished."
    retryable = True


class DumpError(CatalogError, ValueError):
    title = "Unreadable dump"
    hint = "Give JSON Lines (plain or .gz), a JSON array of API items, or Parquet with the API's field names."


class RefreshError(CatalogError):
    """A fetch or refresh failed part way; nothing was written. `__cause__` is the app error that stopped it."""

    title = "Catalog not refreshed"
    hint = "The catalog was left as it was and still answers searches. Run the command again later."
    retryable = True
