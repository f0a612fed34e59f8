"""Named numpy arrays in one file that is memory-mapped on load, written atomically.

The search index of a 100k-document workspace is a few GB of arrays, most of
which a query never touches (a BM25 query reads a handful of posting columns).
Mapping the file instead of reading it makes a cached load cost milliseconds
and leaves the pages to the OS page cache, shared by every process on the
workspace. ``np.load(mmap_mode="r")`` cannot map members of an ``.npz``, hence
this format: a magic string, the length of a JSON header (array name → dtype,
shape, offset), the header, then each array's raw bytes, 64-byte aligned.

Writes go to a temporary file renamed over the target, so a reader sees the
old file or the new one, never half of one. :func:`read` still checks
everything it can without scanning the data (magic, header, sizes, offsets)
and raises :class:`PackError` on any mismatch, so a damaged file is rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import threading
from pathlib import Path
from typing import Any

import numpy as np

from extract.errors import ZhkgError

MAGIC = b"ZHKGPK01"
_ALIGN = 64
_LEN = struct.Struct("<Q")


class PackError(ZhkgError, ValueError):
    """The file is not a complete pack written by :func:`write`."""


def _pad(n: int) -> int:
    return -n % _ALIGN


def write(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write ``arrays`` and the JSON-able ``meta`` to ``path`` atomically (tmp file + ``os.replace``)."""
    table: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, a in arrays.items():
        if a.dtype.hasobject:
            raise TypeError(f"array {name!r} holds Python objects")
        table[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "offset": offset}
        offset += a.nbytes + _pad(a.nbytes)
    # The data offsets are relative to the end of the (padded) header, so the header can state
    # the total file size without depending on its own length.
    header = json.dumps({"meta": meta, "arrays": table, "data_bytes": offset}, ensure_ascii=False).encode()
    head_len = len(MAGIC) + _LEN.size + len(header)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(MAGIC + _LEN.pack(len(header)) + header + b"\0" * _pad(head_len))
            for a in arrays.values():
                np.ascontiguousarray(a).tofile(f)
                f.write(b"\0" * _pad(a.nbytes))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(meta, arrays)`` of a file written by :func:`write`; the arrays are read-only memory maps."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        start = f.read(len(MAGIC) + _LEN.size)
        if len(start) < len(MAGIC) + _LEN.size or not start.startswith(MAGIC):
            raise PackError("not a search index file")
        (n,) = _LEN.unpack_from(start, len(MAGIC))
        if n > size:
            raise PackError("header longer than the file")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
            meta, table, data_bytes = header["meta"], header["arrays"], int(header["data_bytes"])
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise PackError(f"unreadable header: {exc}") from None
    base = len(MAGIC) + _LEN.size + n
    base += _pad(base)
    if base + data_bytes != size:
        raise PackError(f"file is {size} bytes, its header says {base + data_bytes}")
    arrays: dict[str, np.ndarray] = {}
    try:
        for name, spec in table.items():
            dt = np.dtype(spec["dtype"])
            shape = tuple(int(x) for x in spec["shape"])
            off = base + int(spec["offset"])
            nbytes = dt.itemsize * int(np.prod(shape, dtype=np.int64))
            if dt.hasobject or off + nbytes > size or off % _ALIGN:
                raise PackError(f"array {name!r} does not fit the file")
            # One map per array, seen through a plain ndarray: indexing the np.memmap subclass is
            # several times slower, and scipy copies an array that is a small view of a larger one.
            arrays[name] = (
                np.asarray(np.memmap(path, dtype=dt, mode="r", offset=off, shape=shape))
                if nbytes
                else np.zeros(shape, dtype=dt)
            )
    except (TypeError, ValueError, KeyError) as exc:
        raise PackError(f"bad array table: {exc}") from None
    if not isinstance(meta, dict):
        raise PackError("meta is not an object")
    return meta, arrays


__all__ = ["MAGIC", "PackError", "read", "write"]
