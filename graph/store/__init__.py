"""The SQLite workspace: schema, transactions, lock, and every SQL statement zhkg runs against it.

Nothing outside this package speaks SQL to the workspace; other rooms call the named
readers and writers of :class:`Store` (see ``docs/architecture.md``).
"""

from graph.store.workspace import (
    BodyRow,
    ExtractionRows,
    FileStat,
    KnownFile,
    Store,
    StoreError,
    extraction_rows,
    open_store,
)

__all__ = [
    "BodyRow",
    "ExtractionRows",
    "FileStat",
    "KnownFile",
    "Store",
    "StoreError",
    "extraction_rows",
    "open_store",
]
