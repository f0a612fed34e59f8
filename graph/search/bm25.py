"""Okapi BM25 as a precomputed sparse matrix, so a query is a column slice and one sum.

Per-term weights ``idf * tf*(k1+1) / (tf + k1*(1-b+b*len/avglen))`` are computed
once at build time; scoring ``n`` documents for a query of ``q`` distinct tokens then
costs a CSC column gather, which keeps latency flat as the corpus grows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from graph.search.tokenize import tokens


class BM25:
    def __init__(self, docs_tokens: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, toks in enumerate(docs_tokens):
            for tok in toks:
                j = vocab.setdefault(tok, len(vocab))
                rows.append(i)
                cols.append(j)
        n = len(docs_tokens)
        self.vocab = vocab
        self.n_docs = n
        if n == 0 or not vocab:
            self.weights = sp.csc_matrix((n, max(len(vocab), 1)), dtype=np.float32)
            self.idf = np.zeros(max(len(vocab), 1), dtype=np.float32)
            return
        tf = sp.coo_matrix(
            (np.ones(len(rows), dtype=np.float32), (np.asarray(rows), np.asarray(cols))),
            shape=(n, len(vocab)),
        ).tocsr()
        tf.sum_duplicates()
        lengths = np.asarray([len(t) for t in docs_tokens], dtype=np.float32)
        avg = float(lengths.mean()) or 1.0
        df = np.bincount(tf.indices, minlength=len(vocab)).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1.0 - b + b * lengths / avg)
        row_of = np.repeat(np.arange(n), np.diff(tf.indptr))
        data = tf.data * (k1 + 1.0) / (tf.data + norm[row_of]) * self.idf[tf.indices]
        self.weights = sp.csr_matrix((data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape).tocsc()

    def query_vector(self, query_tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Column ids and multiplicities of the query's known tokens."""
        counts: dict[int, int] = {}
        for tok in query_tokens:
            j = self.vocab.get(tok)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        mult = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        return cols, mult

    def scores(self, query: str | Sequence[str]) -> np.ndarray:
        """BM25 score of every document for ``query`` (text or tokens); zeros when nothing matches."""
        toks = tokens(query) if isinstance(query, str) else query
        cols, mult = self.query_vector(toks)
        if self.n_docs == 0 or cols.size == 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        sub = self.weights[:, cols]
        return np.asarray(sub @ np.minimum(mult, 2.0)).ravel().astype(np.float32)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best positive scores, best first (ties broken by index for determinism)."""
    if scores.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    pos = np.flatnonzero(scores > 0)
    if pos.size == 0:
        return pos
    if pos.size > k:
        part = np.argpartition(-scores[pos], k - 1)[:k]
        pos = pos[part]
    order = np.lexsort((pos, -scores[pos]))
    return pos[order]


__all__ = ["BM25", "top_k"]
