"""Duplicate and near-duplicate documents, and near-duplicate boilerplate blocks.

The same page often arrives twice — a Markdown source and its rendered HTML, a copy in another
folder, a re-export with a changed footer — and a graph that counts it twice counts every
relation in it twice. Documents are compared on a *dedup text*: NFKC, case-folded, without white
space, ASCII punctuation and markup residue (``*``, ``#``, ``|``, backticks, bullets) or emoji,
so two renderings of one page meet.

- **Exact** duplicates share the SHA-1 of the dedup text.
- **Near** duplicates: each text becomes the set of its character shingles (``shingle``
  characters, five by default, hashed to 64 bits with numpy), summarised by a 128-value MinHash
  signature; datasketch's :class:`~datasketch.MinHashLSH` proposes candidates, and a candidate
  counts only when the real Jaccard similarity of the two shingle sets reaches ``threshold``.

The signature is *one-permutation* MinHash (Li, Owen & Zhang 2012): the shingle hashes are sorted
once and split into 128 ranges by their top seven bits; the smallest hash of each range is one
value, so a signature costs one sort instead of 128 hash permutations, and ranges a short text
leaves empty borrow the value of the next non-empty range (rotation densification, Shrivastava &
Li 2014), so signatures of short and long texts stay comparable. Every document is compared
with the *canonical* documents before it only (the first of each family, in the caller's order),
so the work grows with the number of documents, not with its square.

:func:`near_boilerplate` applies the same machinery to the blocks of one folder: a disclaimer
reworded a little on every page ("本文由 AI 翻譯…" / "本文件以機器翻譯…") is not verbatim
boilerplate, but its variants form one near-duplicate family found in many documents.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from extract.normalize import PICTOGRAPH

log = logging.getLogger(__name__)

NUM_PERM = 128  # values per signature: 128 ranges of the 64-bit hash space
_BIN_BITS = 7  # 2**7 == NUM_PERM
_U64 = np.uint64
# Odd constants: the polynomial base of the shingle hash, the multiplier that mixes it, and the
# offset that tells a borrowed (densified) value from the original by the distance it travelled.
_BASE = _U64(0x100000001B3)
_MIX1 = _U64(0xBF58476D1CE4E5B9)
_BORROW = np.uint32(0x9E3779B1)
_EDGES = np.arange(NUM_PERM, dtype=_U64) << _U64(64 - _BIN_BITS)
_LOW32 = _U64(0xFFFFFFFF)
# Candidates per document whose real Jaccard similarity is computed (best estimates first).
_MAX_CHECKS = 8
# A candidate is checked only when its estimated similarity is at most this far below threshold
# (the estimate's standard error at 128 values is about 0.03 near 0.9).
_ESTIMATE_SLACK = 0.12


# Blocks kept per LSH bucket in near_boilerplate: a band value that more distinct blocks share is
# a stock phrase, not a family; later blocks are still compared with the first ones kept.
_MAX_BUCKET = 32


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """Code point → its dedup-text code point, 0 for one the dedup text leaves out (4.4 MB).

    Left out: white space and control characters, emoji and pictographs, ASCII punctuation
    (markup residue is ASCII: ``**bold**``, ``# heading``, ``| cell |``, ``[link](url)``),
    general punctuation (dashes, curly quotes, bullets, ellipsis, zero-width characters), CJK and
    full-width punctuation (。「」、，：), middle dots and the byte-order mark. Folded: full-width
    digits and letters to ASCII, ASCII capitals to lower case. Built on first use.
    """
    table = np.arange(0x110000, dtype=np.uint32)
    table[:0x21] = 0
    table[0x7F:0xA1] = 0
    for lo, hi in ((0x21, 0x30), (0x3A, 0x41), (0x5B, 0x61), (0x7B, 0x7F), (0x2000, 0x2070)):
        table[lo:hi] = 0
    for lo, hi in ((0x3000, 0x3040), (0xFF01, 0xFF10), (0xFF1A, 0xFF21), (0xFF3B, 0xFF41), (0xFF5B, 0xFF66)):
        table[lo:hi] = 0
    for c in "\u00ad\u00b7\u30fb\ufeff\u25aa\u25e6\u2027":
        table[ord(c)] = 0
    picto = re.compile(f"[{PICTOGRAPH}]")
    for lo, hi in ((0xA0, 0x3400), (0xFE00, 0xFE10), (0x1F000, 0x1FB00), (0xE0000, 0xE0080)):
        for cp in range(lo, hi):
            ch = chr(cp)
            if ch.isspace() or picto.match(ch):
                table[cp] = 0
    table[0xFF10:0xFF1A] -= 0xFEE0  # full-width digits
    table[0xFF21:0xFF3B] -= 0xFEE0 - 0x20  # full-width capitals → ASCII lower case
    table[0xFF41:0xFF5B] -= 0xFEE0  # full-width small letters
    table[0x41:0x5B] += 0x20
    return table


def _codes(text: str) -> np.ndarray:
    """The dedup text of ``text`` as uint32 code points (see :func:`dedup_text`)."""
    folded = _fold_table()[np.frombuffer(text.encode("utf-32-le"), dtype="<u4")]
    return folded[folded != 0]


def dedup_text(text: str) -> str:
    """The text duplicates are compared on: without white space, punctuation (ASCII, CJK and
    full-width), bullets and emoji, full-width letters and digits made ASCII, ASCII lower case —
    so renderings of one page in Markdown and HTML meet. Computed on code-point arrays."""
    return _codes(text).astype("<u4").tobytes().decode("utf-32-le")


@lru_cache(maxsize=8)
def _powers(width: int) -> np.ndarray:
    """_BASE ** (width - 1 - k) for k in range(width), modulo 2**64."""
    base = int(_BASE)
    return np.array([pow(base, width - 1 - k, 1 << 64) for k in range(width)], dtype=_U64)


def _hashes(codes: np.ndarray, shingle: int) -> np.ndarray:
    """Sorted 64-bit hashes (repeats kept) of the ``shingle``-character shingles of ``codes``.

    A polynomial hash over code points, then one multiply and xor-shift: the multiply carries
    every bit upward into the top seven (which choose the MinHash range), the shift brings the
    top half down into the low 32 bits (which are the value kept).
    """
    if len(codes) == 0:
        return np.empty(0, dtype=_U64)
    cps = codes.astype(_U64)
    w = min(shingle, len(cps))
    n = len(cps) - w + 1
    powers = _powers(w)
    h = cps[:n] * powers[0]
    for k in range(1, w):
        h += cps[k : k + n] * powers[k]
    h *= _MIX1
    h ^= h >> _U64(32)
    h.sort()
    return h


def _distinct(sorted_hashes: np.ndarray) -> np.ndarray:
    if len(sorted_hashes) < 2:
        return sorted_hashes
    return sorted_hashes[np.concatenate(([True], sorted_hashes[1:] != sorted_hashes[:-1]))]


def _count_distinct(sorted_hashes: np.ndarray) -> int:
    if len(sorted_hashes) < 2:
        return len(sorted_hashes)
    return 1 + int(np.count_nonzero(sorted_hashes[1:] != sorted_hashes[:-1]))


def shingle_hashes(text: str, shingle: int = 5) -> np.ndarray:
    """Sorted distinct 64-bit hashes of the ``shingle``-character shingles of ``text``'s dedup text.

    A dedup text shorter than one shingle is one shingle; an empty one has none.
    """
    return _distinct(_hashes(_codes(text), shingle))


@dataclass(frozen=True, slots=True)
class DuplicateOf:
    """A document found to repeat an earlier (canonical) one."""

    canonical: str  # id of the document kept
    kind: str  # "exact": same dedup text; "near": Jaccard of shingle sets ≥ threshold
    similarity: float  # 1.0 for exact; the Jaccard similarity (rounded to 4 places) for near


@dataclass(frozen=True, slots=True)
class Signature:
    """What near-duplicate detection keeps of a document between runs (about 550 bytes).

    Plain values only, so it can live in a SQLite row: ``digest TEXT``, ``minhash BLOB``,
    ``shingles INTEGER``, ``shingle INTEGER``.
    """

    digest: str  # SHA-1 (hex) of the dedup text: equal digests are exact duplicates
    minhash: bytes  # NUM_PERM little-endian uint32 values (empty for an empty text)
    shingles: int  # number of distinct shingles
    shingle: int  # shingle width the signature was made with

    def values(self) -> np.ndarray:
        """The MinHash values as a numpy array."""
        return np.frombuffer(self.minhash, dtype="<u4")


def minhash_values(hashes: np.ndarray) -> np.ndarray:
    """The NUM_PERM one-permutation MinHash values (uint32) of sorted shingle hashes (repeats
    may be kept: they change no minimum)."""
    if len(hashes) == 0:
        return np.empty(0, dtype=np.uint32)
    starts = np.searchsorted(hashes, _EDGES)
    ends = np.append(starts[1:], len(hashes))
    full = np.flatnonzero(starts < ends)
    lows = (hashes[np.minimum(starts, len(hashes) - 1)] & _LOW32).astype(np.uint32)
    if len(full) == NUM_PERM:
        return lows
    # Rotation densification: an empty range takes the next non-empty range's value (circularly),
    # shifted by how far it had to look, so a long text's full signature stays comparable.
    bins = np.arange(NUM_PERM)
    nxt = full[np.searchsorted(full, bins) % len(full)]
    dist = ((nxt - bins) % NUM_PERM).astype(np.uint32)
    return lows[nxt] + dist * _BORROW


def _digest(codes: np.ndarray) -> str:
    return hashlib.sha1(codes.astype("<u4", copy=False).tobytes()).hexdigest()


def signature(text: str, shingle: int = 5) -> Signature:
    """The :class:`Signature` of a document's text (its body as stored)."""
    codes = _codes(text)
    hashes = _hashes(codes, shingle)
    return Signature(
        digest=_digest(codes),
        minhash=minhash_values(hashes).astype("<u4").tobytes(),
        shingles=_count_distinct(hashes),
        shingle=shingle,
    )


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted distinct hash arrays."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


@lru_cache(maxsize=16)
def _lsh_params(threshold: float, recall: float = 0.99) -> tuple[int, int]:
    """(bands, rows) for the LSH: the most rows per band (fewest chance candidates) with which a
    pair of similarity ``threshold`` still becomes a candidate with probability ``recall``.

    Not datasketch's own choice, which weighs missed and chance candidates alike and so finds a
    pair right at the threshold only about a third of the time (0.31 at 0.9 with 128 values):
    here every candidate is confirmed on its real shingle sets, so chance candidates cost a
    little time and misses cost duplicates.
    """
    for rows in range(NUM_PERM, 0, -1):
        bands = NUM_PERM // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall:
            return bands, rows
    return NUM_PERM, 1


def _lean(values: np.ndarray) -> Any:
    from datasketch import LeanMinHash  # imported when first needed: it pulls in scipy (≈0.6 s)

    # The values are our own one-permutation MinHash; datasketch's LSH only bands and compares
    # them, and asks for a scheme label, which is the same for every signature of one index.
    return LeanMinHash(seed=1, hashvalues=values.astype(np.uint64), scheme="affine32")


class _Index:
    """Canonical signatures in insertion order, with the LSH that proposes candidates."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        b, r = _lsh_params(threshold)
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(num_perm=NUM_PERM, params=(b, r))
        self.by_digest: dict[str, str] = {}
        self.values: dict[str, np.ndarray] = {}
        self.sizes: dict[str, int] = {}

    def add(self, key: str, sig: Signature, values: np.ndarray) -> None:
        self.by_digest.setdefault(sig.digest, key)
        if len(values) == NUM_PERM:
            self.lsh.insert(key, _lean(values), check_duplication=False)
            self.values[key] = values
            self.sizes[key] = sig.shingles

    def candidates(self, sig: Signature, values: np.ndarray) -> list[tuple[float, str]]:
        """(estimated similarity, key) of plausible near duplicates, unordered."""
        if len(values) != NUM_PERM:
            return []
        out: list[tuple[float, str]] = []
        for key in self.lsh.query(_lean(values)):
            size = self.sizes[key]
            small, big = sorted((size, sig.shingles))
            if small < self.threshold * big:  # Jaccard ≤ |small| / |big|
                continue
            est = float(np.mean(self.values[key] == values))
            if est >= self.threshold - _ESTIMATE_SLACK:
                out.append((est, key))
        return out


class DuplicateFinder:
    """Documents checked one at a time against the canonical documents before them.

    Stateful, so an ingest can check documents as it assembles them, a window at a time, without
    holding every text: ``known`` are the stored signatures of earlier runs' canonical documents
    (oldest first), and ``text_of(id)`` returns a canonical document's text when a near candidate
    must be confirmed by its real Jaccard similarity (``None`` or no ``text_of``: the estimate decides).
    """

    def __init__(
        self,
        known: Iterable[tuple[str, Signature]] = (),
        text_of: Callable[[str], str | None] | None = None,
        threshold: float = 0.9,
        shingle: int = 5,
    ) -> None:
        self.threshold, self.shingle, self.text_of = threshold, shingle, text_of
        self.index = _Index(threshold)
        self.order: dict[str, int] = {}
        self.repeated: dict[str, DuplicateOf] = {}  # digest of a duplicate → what it duplicates
        for key, sig in known:
            if sig.shingle != shingle:
                log.warning("signature of %s uses %d-shingles, not %d: ignored", key, sig.shingle, shingle)
                continue
            self.order.setdefault(key, len(self.order))
            self.index.add(key, sig, sig.values())

    def check(self, key: str, text: str) -> tuple[DuplicateOf | None, Signature]:
        """What ``key`` duplicates (None: it is canonical from now on), and its signature to store."""
        codes = _codes(text)
        hashes = _hashes(codes, self.shingle)
        values = minhash_values(hashes)
        sig = Signature(_digest(codes), values.astype("<u4").tobytes(), _count_distinct(hashes), self.shingle)
        if len(codes) == 0:
            return None, sig  # an empty text duplicates nothing
        same = self.index.by_digest.get(sig.digest)
        if same is not None and same != key:
            return DuplicateOf(same, "exact", 1.0), sig
        if sig.digest in self.repeated:  # the copy of a duplicate repeats what that one repeats
            return self.repeated[sig.digest], sig
        best: tuple[float, int, str] | None = None
        cands = self.index.candidates(sig, values)
        cands.sort(key=lambda c: (-c[0], self.order[c[1]]))
        distinct: np.ndarray | None = None
        for est, other in cands[:_MAX_CHECKS]:
            if other == key:
                continue
            other_text = self.text_of(other) if self.text_of is not None else None
            if other_text is not None:
                if distinct is None:
                    distinct = _distinct(hashes)
                sim = jaccard(distinct, shingle_hashes(other_text, self.shingle))
            else:
                sim = est
            if sim >= self.threshold and (best is None or (sim, -self.order[other]) > (best[0], -best[1])):
                best = (sim, self.order[other], other)
        if best is not None:
            dup = self.repeated[sig.digest] = DuplicateOf(best[2], "near", round(best[0], 4))
            return dup, sig
        self.order.setdefault(key, len(self.order))
        self.index.add(key, sig, values)
        return None, sig


def update_duplicates(
    known: Sequence[tuple[str, Signature]],
    docs: Sequence[tuple[str, str]],
    text_of: Callable[[str], str] | None = None,
    threshold: float = 0.9,
    shingle: int = 5,
) -> tuple[dict[str, DuplicateOf], dict[str, Signature]]:
    """Duplicates among new documents and against canonical documents of earlier runs.

    ``known`` holds the stored signatures of earlier runs' *canonical* documents (those not
    themselves duplicates), oldest first; ``docs`` the new ``(id, text)`` pairs in the order
    that decides which copy is canonical (a known document always comes first: it stays
    canonical). ``text_of(id)`` gives a known document's text so that a near candidate is
    confirmed by its real Jaccard similarity; without it the signature estimate decides (new
    documents are always confirmed on their own texts).

    Returns the duplicate map of the new documents and the signatures of all new documents
    (store them; pass the canonical ones as ``known`` next time).
    """
    position = {key: i for i, (key, _) in enumerate(docs)}

    def text(other: str) -> str | None:
        if other in position:  # recomputed, not kept: 100k texts' shingles would not fit
            return docs[position[other]][1]
        return text_of(other) if text_of is not None else None

    finder = DuplicateFinder(known, text, threshold, shingle)
    out: dict[str, DuplicateOf] = {}
    sigs: dict[str, Signature] = {}
    for key, body in docs:
        dup, sigs[key] = finder.check(key, body)
        if dup is not None:
            out[key] = dup
    return out, sigs


def find_duplicates(
    docs: Sequence[tuple[str, str]], threshold: float = 0.9, shingle: int = 5
) -> dict[str, DuplicateOf]:
    """``{id: DuplicateOf}`` for every document of ``(id, text)`` pairs that repeats an earlier one.

    The canonical copy of a family is its first document in the given order (order Markdown
    before HTML to keep the sources); every duplicate points straight at it. Deterministic.
    """
    return update_duplicates((), docs, None, threshold, shingle)[0]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def near_boilerplate(
    blocks_per_doc: Sequence[Sequence[tuple[str, str]]],
    min_docs: int,
    min_share: float,
    threshold: float = 0.5,
    *,
    shingle: int = 3,
    min_chars: int = 20,
    max_chars: int = 600,
) -> set[str]:
    """Hashes of blocks whose near-duplicate family appears in enough documents of a folder.

    ``blocks_per_doc`` holds, per document, its ``(block hash, block text)`` pairs. Blocks of
    ``min_chars``–``max_chars`` dedup characters qualify (shorter ones are headings and menu
    words, longer ones real content); two blocks are of one family when the Jaccard similarity
    of their ``shingle``-character shingles reaches ``threshold``, and families chain (A~B, B~C).
    A family counts when its blocks together appear in at least ``max(min_docs, min_share ×
    documents)`` documents; a block repeated verbatim in that many documents is a family of one.

    The banding is done here rather than by datasketch's LSH so that a bucket can be capped
    (``_MAX_BUCKET``): templated text makes band values that thousands of blocks share, and
    uncapped buckets would compare every block with all of them. Candidates already in the
    block's family are skipped, the rest are ranked by their signature estimate and at most
    ``_MAX_CHECKS`` get a real Jaccard computation. Deterministic for a given input order.
    """
    n_docs = len(blocks_per_doc)
    need = max(min_docs, min_share * n_docs)
    keys: list[str] = []
    texts: list[np.ndarray] = []
    docs_of: list[set[int]] = []
    slot: dict[str, int] = {}
    for d, blocks in enumerate(blocks_per_doc):
        for h, text in blocks:
            i = slot.get(h)
            if i is None:
                codes = _codes(text)
                if not min_chars <= len(codes) <= max_chars:
                    continue
                i = slot[h] = len(keys)
                keys.append(h)
                texts.append(codes)
                docs_of.append(set())
            docs_of[i].add(d)
    if not keys or n_docs < need:
        return set()
    hashes = [_distinct(_hashes(t, shingle)) for t in texts]
    sigmat = np.stack([minhash_values(hs) for hs in hashes])
    bands, rows = _lsh_params(threshold)
    buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
    uf = _UnionFind(len(keys))
    for i, hs in enumerate(hashes):
        values = sigmat[i]
        found: list[int] = []
        for k, table in enumerate(buckets):
            members = table.setdefault(values[k * rows : (k + 1) * rows].tobytes(), [])
            found.extend(members)
            if len(members) < _MAX_BUCKET:
                members.append(i)
        if not found:
            continue
        cands = np.unique(np.array(found))
        root = uf.find(i)
        cands = cands[[uf.find(int(j)) != root for j in cands]]
        if len(cands) == 0:
            continue
        est = (sigmat[cands] == values).mean(axis=1)
        keep = est >= threshold - _ESTIMATE_SLACK
        for j in cands[keep][np.argsort(-est[keep], kind="stable")][:_MAX_CHECKS].tolist():
            if uf.find(j) == uf.find(i):
                continue
            small, big = sorted((len(hs), len(hashes[j])))
            if small >= threshold * big and jaccard(hs, hashes[j]) >= threshold:
                uf.union(i, j)
    family_docs: dict[int, set[int]] = {}
    for i in range(len(keys)):
        family_docs.setdefault(uf.find(i), set()).update(docs_of[i])
    return {keys[i] for i in range(len(keys)) if len(family_docs[uf.find(i)]) >= need}


def canonical_signatures(
    sigs: Iterable[tuple[str, Signature]], duplicates: dict[str, DuplicateOf]
) -> list[tuple[str, Signature]]:
    """The ``known`` argument of the next :func:`update_duplicates`: signatures of documents
    that are not duplicates, in the given order."""
    return [(k, s) for k, s in sigs if k not in duplicates]
