"""Okapi BM25 as a precomputed sparse matrix, so a query is a column slice and one sum.

Per-term weights ``idf * tf*(k1+1) / (tf + k1*(1-b+b*len/avglen))`` are computed
once at build time; scoring ``n`` documents for a query of ``q`` distinct tokens then
costs a CSC column gather, which keeps latency flat as the corpus grows.

Documents are consumed one at a time (any iterable of token lists works) and only
their distinct-token counts are kept, in compact typed arrays: a corpus of 100k
chunks never holds its token lists in memory at once.
"""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from graph.query.tokenize import tokens


class SortedVocab(Mapping[str, int]):
    """Token → column id, as the tokens' UTF-8 bytes sorted in one buffer, looked up by bisection.

    A chunk vocabulary has hundreds of thousands to millions of tokens (CJK
    bigrams); as a dict that is ~150 bytes a token and seconds to rebuild per
    process, as three arrays it can be memory-mapped from the search cache and a
    query only reads the ~20 pages its bisections touch.
    """

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, ids: np.ndarray) -> None:
        if len(offsets) != len(ids) + 1 or (len(ids) and int(offsets[-1]) != len(blob)):
            raise ValueError("vocabulary offsets do not match the token buffer")
        self._mem = np.ascontiguousarray(blob, dtype=np.uint8).data
        self._off = np.ascontiguousarray(offsets, dtype=np.int64).data  # memoryview: plain ints, fast
        self._ids = ids
        self.arrays = {"blob": blob, "offsets": offsets, "ids": ids}

    @classmethod
    def from_dict(cls, vocab: Mapping[str, int]) -> SortedVocab:
        words = sorted((w.encode("utf-8"), i) for w, i in vocab.items())
        lengths = np.fromiter((len(w) for w, _ in words), dtype=np.int64, count=len(words))
        offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        blob = np.frombuffer(b"".join(w for w, _ in words), dtype=np.uint8)
        ids = np.fromiter((i for _, i in words), dtype=np.int32, count=len(words))
        return cls(blob, offsets, ids)

    def _word(self, i: int) -> bytes:
        return self._mem[self._off[i] : self._off[i + 1]].tobytes()

    def __getitem__(self, token: str) -> int:
        key = token.encode("utf-8")
        i = bisect.bisect_left(range(len(self._ids)), key, key=self._word)
        if i < len(self._ids) and self._word(i) == key:
            return int(self._ids[i])
        raise KeyError(token)

    def __iter__(self) -> Iterator[str]:
        return (self._word(i).decode("utf-8") for i in range(len(self._ids)))

    def __len__(self) -> int:
        return len(self._ids)


def count_terms(
    docs_tokens: Iterable[Sequence[str]], vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct-token counts per document as CSR parts ``(cols, tf, indptr, lengths)``.

    New tokens are added to ``vocab`` (token -> column, in order of first use). Documents are
    consumed one at a time, so a corpus never holds its token lists at once.
    """
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
    return (
        np.frombuffer(cols, dtype=np.int32),
        np.frombuffer(counts, dtype=np.float32),
        np.frombuffer(indptr, dtype=np.int64),
        np.frombuffer(lengths, dtype=np.float32),
    )


class BM25:
    vocab: Mapping[str, int]
    n_docs: int
    weights: sp.csc_matrix
    idf: np.ndarray

    def __init__(self, docs_tokens: Iterable[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        vocab: dict[str, int] = {}
        self._weigh(vocab, *count_terms(docs_tokens, vocab), k1, b)

    @classmethod
    def from_counts(
        cls,
        vocab: Mapping[str, int],
        cols: np.ndarray,
        tf: np.ndarray,
        indptr: np.ndarray,
        lengths: np.ndarray,
        *,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> BM25:
        """A BM25 from term counts already grouped per document (CSR: ``cols``/``tf`` per ``indptr`` row).

        The search index patches these counts when a few chunks change instead of tokenizing every
        chunk again; the weights come out bit for bit as a build from the token lists would give,
        whatever the token ids, since each weight depends only on its own tf, row length and idf.
        """
        self = cls.__new__(cls)
        self._weigh(
            vocab,
            np.asarray(cols, dtype=np.int32),
            np.asarray(tf, dtype=np.float32),
            np.asarray(indptr, dtype=np.int64),
            np.asarray(lengths, dtype=np.float32),
            k1,
            b,
        )
        return self

    def _weigh(
        self,
        vocab: Mapping[str, int],
        ind: np.ndarray,
        tf: np.ndarray,
        ptr: np.ndarray,
        length: np.ndarray,
        k1: float,
        b: float,
    ) -> None:
        n = len(length)
        self.vocab = vocab
        self.n_docs = n
        if n == 0 or not vocab:
            self.weights = sp.csc_matrix((n, max(len(vocab), 1)), dtype=np.float32)
            self.idf = np.zeros(max(len(vocab), 1), dtype=np.float32)
            return
        avg = float(length.mean()) or 1.0
        df = np.bincount(ind, minlength=len(vocab)).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1.0 - b + b * length / avg)
        # data = tf * (k1 + 1) / (tf + norm[row]) * idf[col], in float32 and in place: these arrays
        # have one entry per (chunk, distinct token), ~20 per chunk, so every temporary costs
        # ~80 bytes a chunk at the peak of a cold build.
        buf = np.repeat(norm, np.diff(ptr))
        buf += tf
        data = tf * (k1 + 1.0)
        data /= buf
        del tf
        np.take(self.idf, ind, out=buf, mode="clip")  # "raise" would buffer a copy of out
        data *= buf
        del buf
        self.weights = sp.csr_matrix((data, ind, ptr), shape=(n, len(vocab))).tocsc()

    @classmethod
    def from_arrays(cls, vocab: Mapping[str, int], idf: np.ndarray, weights: sp.csc_matrix) -> BM25:
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
        # Copies only the query's posting columns: on a memory-mapped matrix the others are not read.
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


__all__ = ["BM25", "SortedVocab", "count_terms", "top_k"]
