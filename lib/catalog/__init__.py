"""The local catalog: the whole Hub's metadata (or any dump of it) on this machine, searched in milliseconds.

```python
from lib.catalog import Catalog

catalog = Catalog.open()                       # <HUB_EXPLORER_HOME>/catalog
catalog.load(["models-2024-07-11.jsonl.gz"], kind="models", progress=print)
result = catalog.search(SearchQuery(kind="models", text="bert", task="fill-mask"))   # a lib.query.SearchResult
```

`python -m lib.catalog --help` is the command line. Design notes: docs/catalog.md.
"""

from lib.catalog.catalog import Catalog, CatalogStats, KindStats, LoadReport, Progress, ProgressCallback
from lib.catalog.errors import CatalogBusyError, CatalogError, CatalogMissingError, DumpError
from lib.catalog.index import FACETS
from lib.catalog.sync import SyncReport

__all__ = [
    "FACETS",
    "Catalog",
    "CatalogBusyError",
    "CatalogError",
    "CatalogMissingError",
    "CatalogStats",
    "DumpError",
    "KindStats",
    "LoadReport",
    "Progress",
    "ProgressCallback",
    "SyncReport",
]
