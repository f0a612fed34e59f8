"""Okapi BM25 as a precomputed sparse matrix, so a query is a column slice and one sum.

Per-term weights ``idf * tf*(k1+1) / (tf + k1*(1-b+b*len/avglen))`` are computed
once at build time; scoring ``n`` documents for a query of ``q`` distinct tokens then
costs a CSC column gather, which keeps latency flat as the corpus grows.

Documents are consumed one at a time (any iterable of token lists works) and only
their distinct-token counts are kept, in compact typed arrays: a corpus of 100k
chunks never holds its token lists in memory at once.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from graph.search.tokenize import tokens


class BM25:
    vocab: dict[str, int]
    n_docs: int
    weights: sp.csc_matrix
    idf: np.ndarray

    def __init__(self, docs_tokens: Iterable[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        vocab: dict[str, int] = {}
        cols = array("i")  # token id of every (document, distinct token) pair
        counts = array("f")  # its term frequency
        indptr = array("q", [0])
        lengths = array("f")
        for toks in docs_tokens:
            c = Counter(toks)
            cols.extend([vocab.setdefault(tok, len(vocab)) for tok in c])
            counts.extend(c.values())
            indptr.append(len(cols))
            lengths.append(len(toks))
        n = len(lengths)
        self.vocab = vocab
        self.n_docs = n
        if n == 0 or not vocab:
            self.weights = sp.csc_matrix((n, max(len(vocab), 1)), dtype=np.float32)
            self.idf = np.zeros(max(len(vocab), 1), dtype=np.float32)
            return
        ind = np.frombuffer(cols, dtype=np.int32)
        tf = np.frombuffer(counts, dtype=np.float32)
        ptr = np.frombuffer(indptr, dtype=np.int64)
        length = np.frombuffer(lengths, dtype=np.float32)
        avg = float(length.mean()) or 1.0
        df = np.bincount(ind, minlength=len(vocab)).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1.0 - b + b * length / avg)
        row_of = np.repeat(np.arange(n), np.diff(ptr))
        data = tf * (k1 + 1.0) / (tf + norm[row_of]) * self.idf[ind]
        del row_of
        self.weights = sp.csr_matrix(
            (data.astype(np.float32), ind.copy(), ptr.copy()), shape=(n, len(vocab))
        ).tocsc()

    @classmethod
    def from_arrays(cls, vocab: dict[str, int], idf: np.ndarray, weights: sp.csc_matrix) -> BM25:
        """A BM25 from a previously built ``vocab``/``idf``/``weights`` (the on-disk cache)."""
        self = cls.__new__(cls)
        self.vocab = vocab
        self.idf = idf
        self.weights = weights
        self.n_docs = int(weights.shape[0])
        return self

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
