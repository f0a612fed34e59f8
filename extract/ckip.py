"""Optional neural entity recognition with CKIP Transformers (word segmentation, POS, NER).

The models are large and come from Hugging Face, so this path is off by
default and must degrade gracefully: when a model is not on disk (or the
libraries are missing) :func:`load_ckip` returns ``None`` with a one-line
reason and the pipeline continues with lexicon and patterns. Loading never
reaches the network unless the model is missing locally *and*
``HF_HUB_OFFLINE`` is unset.

Texts are cut into pieces under the models' 510-token limit (CKIP feeds one
character per token) at sentence ends, else hard, and every entity offset is
mapped back to the original text.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extract.records import EntityType
from extract.timing import timed

log = logging.getLogger(__name__)

MAX_CHARS = 500  # under BERT's 512 positions minus [CLS]/[SEP], with room to spare

# OntoNotes labels (CKIP NER) → our types; unlisted labels (dates, numbers, places) are dropped.
ONTONOTES_TYPES: dict[str, EntityType] = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORG,
    "PRODUCT": EntityType.TOOL,
    "WORK_OF_ART": EntityType.TOOL,
    "LAW": EntityType.CONCEPT,
}
_PROPER_NOUN_TAGS = {"Nb"}  # CKIP POS: proper noun

_BREAK = re.compile(r"[。！？；!?\n]+")


# The ckiplab models (hub names; a local folder with the same files works too): the one place named.
WS_MODEL = "ckiplab/bert-base-chinese-ws"
POS_MODEL = "ckiplab/bert-base-chinese-pos"
NER_MODEL = "ckiplab/bert-base-chinese-ner"


@dataclass(frozen=True)
class CkipConfig:
    ws_model: str = WS_MODEL
    pos_model: str = POS_MODEL
    ner_model: str = NER_MODEL
    device: str = "auto"
    batch_size: int = 16


CkipHit = tuple[int, int, EntityType, float]


def split_for_model(text: str, max_chars: int = MAX_CHARS) -> list[tuple[int, str]]:
    """(offset, piece) pieces of ``text``, each at most ``max_chars``, cut at sentence ends when possible."""
    pieces: list[tuple[int, str]] = []
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + max_chars)
        if end < n:
            cut = None
            for m in _BREAK.finditer(text, start, end):
                cut = m.end()
            if cut is not None and cut > start:
                end = cut
        piece = text[start:end]
        if piece.strip():
            pieces.append((start, piece))
        start = end
    return pieces


def resolve_device(device: str) -> int:
    """CKIP device ordinal: -1 for CPU, N for cuda:N; ``auto`` picks CUDA when present."""
    d = device.strip().lower()
    if d == "cpu":
        return -1
    if d.startswith("cuda"):
        return int(d.split(":", 1)[1]) if ":" in d else 0
    try:
        import torch

        return 0 if torch.cuda.is_available() else -1
    except Exception:  # no torch: CPU is all there is
        return -1


def local_model_path(name: str) -> str:
    """A local directory for ``name``: itself if it is one, else the Hugging Face cache copy.

    Raises ``FileNotFoundError`` when the model is not on disk and the hub is
    offline (or cannot be asked without a download).
    """
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    try:
        from huggingface_hub import snapshot_download

        return str(snapshot_download(name, local_files_only=True))
    except Exception:
        if os.environ.get("HF_HUB_OFFLINE", "").strip() not in ("", "0", "false"):
            raise FileNotFoundError(
                f"model {name} is not in the local cache and HF_HUB_OFFLINE is set"
            ) from None
        return name  # let transformers try the hub (its own timeouts apply)


class Ckip:
    """Loaded CKIP drivers; :meth:`entities` returns body-offset hits per text."""

    def __init__(self, ws: Any, pos: Any, ner: Any, batch_size: int) -> None:
        self.ws, self.pos, self.ner = ws, pos, ner
        self.batch_size = batch_size

    @timed("ckip.entities")
    def entities(self, texts: Sequence[str]) -> list[list[CkipHit]]:
        pieces: list[tuple[int, int, str]] = []  # (text index, offset, piece)
        for i, text in enumerate(texts):
            pieces.extend((i, off, p) for off, p in split_for_model(text))
        out: list[list[CkipHit]] = [[] for _ in texts]
        if not pieces:
            return out
        strings = [p for _, _, p in pieces]
        kw = {"batch_size": self.batch_size, "show_progress": False}
        if self.ner is not None:
            for (i, off, piece), tokens in zip(pieces, self.ner(strings, **kw), strict=True):
                for tok in tokens:
                    etype = ONTONOTES_TYPES.get(tok.ner)
                    s, e = tok.idx
                    if etype is None or piece[s:e] != tok.word:
                        continue
                    s, e = _trim(piece, s, e)
                    if e - s >= 2:
                        out[i].append((off + s, off + e, etype, 0.6))
        if self.ws is not None and self.pos is not None:
            words = self.ws(strings, **kw)
            tags = self.pos(words, **kw)
            for (i, off, piece), ws_sent, pos_sent in zip(pieces, words, tags, strict=True):
                pos_in_piece = 0
                for w, tag in zip(ws_sent, pos_sent, strict=True):
                    s = piece.find(w, pos_in_piece)
                    if s < 0:
                        continue
                    pos_in_piece = s + len(w)
                    if tag in _PROPER_NOUN_TAGS:
                        a, b = _trim(piece, s, s + len(w))
                        if b - a >= 2:
                            out[i].append((off + a, off + b, EntityType.CONCEPT, 0.4))
        return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def load_ckip(config: CkipConfig) -> tuple[Ckip | None, str]:
    """Load the configured drivers, or return ``(None, "unavailable: <reason>")`` — never raises."""
    try:
        from ckip_transformers.nlp import CkipNerChunker, CkipPosTagger, CkipWordSegmenter
    except Exception as exc:
        reason = f"unavailable: ckip-transformers not installed ({type(exc).__name__})"
        log.warning("CKIP %s; continuing with lexicon and patterns", reason)
        return None, reason
    device = resolve_device(config.device)
    loaded: list[str] = []
    try:
        ws = pos = ner = None
        if config.ws_model and config.pos_model:
            ws = CkipWordSegmenter(model_name=local_model_path(config.ws_model), device=device)
            pos = CkipPosTagger(model_name=local_model_path(config.pos_model), device=device)
            loaded += [config.ws_model, config.pos_model]
        if config.ner_model:
            ner = CkipNerChunker(model_name=local_model_path(config.ner_model), device=device)
            loaded.append(config.ner_model)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = f"unavailable: {first[:200]}"
        log.warning("CKIP %s; continuing with lexicon and patterns", reason)
        return None, reason
    if not loaded:
        return None, "off"
    where = "cpu" if device < 0 else f"cuda:{device}"
    return Ckip(ws, pos, ner, config.batch_size), f"loaded ({', '.join(loaded)}, {where})"
