"""The app's one database (shortlists and saved searches): see `lib.store.engine`."""

from lib.store.engine import FILE_NAME, Store, close_stores, default_path, open_store, resolve
from lib.store.errors import StoreBusyError, StoreError, StoreVersionError

__all__ = ["FILE_NAME", "Store", "StoreBusyError", "StoreError", "StoreVersionError", "close_stores",
           "default_path", "open_store", "resolve"]
