"""Optional dense retrieval with a sentence-transformers model (off unless ``embedding_model`` is set).

Imported lazily: zhkg does not depend on sentence-transformers/PyTorch, and the
only model it could ship offline is English-only. Chunk embeddings are computed
once per process and workspace generation; a Chinese model such as
``BAAI/bge-large-zh-v1.5`` is what a user with model-hub access would set.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from extract.errors import ZhkgError
from graph.query.index import SearchIndex


class DenseUnavailable(ZhkgError, RuntimeError):
    """Dense retrieval was asked for but cannot run; the message says what to install or set."""


_MODELS: dict[str, Any] = {}
_EMB: dict[tuple[str, tuple[Any, ...]], np.ndarray] = {}
_LOCK = threading.Lock()


def _model(name: str, device: str = "cpu") -> Any:
    if name not in _MODELS:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise DenseUnavailable(
                f"ZHKG_EMBEDDING_MODEL={name} needs sentence-transformers: pip install sentence-transformers"
                " (or unset ZHKG_EMBEDDING_MODEL for BM25 only)"
            ) from None
        try:
            _MODELS[name] = SentenceTransformer(name, device=None if device == "auto" else device)
        except Exception as exc:  # model hub errors come in many types
            raise DenseUnavailable(
                f"cannot load embedding model {name!r}: {type(exc).__name__}: {exc}"
            ) from None
    return _MODELS[name]


def dense_scores(index: SearchIndex, question: str, model_name: str, device: str = "cpu") -> np.ndarray:
    """Cosine similarity of the question to every chunk."""
    with _LOCK:
        model = _model(model_name, device)
        key = (model_name, index.signature)
        emb = _EMB.get(key)
        if emb is None:
            # The texts live in SQLite (read in batches here); the model wants a list.
            texts = list(index.chunk_texts)
            emb = np.asarray(model.encode(texts, batch_size=32, normalize_embeddings=True), dtype=np.float32)
            del texts
            _EMB.clear()
            _EMB[key] = emb
    if emb.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    q = np.asarray(model.encode([question], normalize_embeddings=True), dtype=np.float32)[0]
    return np.asarray(emb @ q, dtype=np.float32)


__all__ = ["DenseUnavailable", "dense_scores"]
