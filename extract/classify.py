"""The type of a name no lexicon knows, learned from the names the lexicon does know.

Shape patterns find names nobody listed but can only guess their type (a plain
capitalised word is a TOOL, a versioned one a MODEL). The names around them say
more: ``DeBERTa`` looks like ``BERT``/``RoBERTa``, ``VPU`` like ``NPU``/``GPU``,
``ImageNet-21k`` like ``ImageNet``. So at every resolution a small character
n-gram classifier is trained on the names whose type is known — the corpus's own
lexicon-typed entities, weighted by how often the corpus uses them, plus every
lexicon name as a prior — and asked for the type of the rest. It is cheap
(a few thousand short strings; well under a second) and needs no model download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from extract.records import EntityType

# Types the classifier may choose; people are found by cues, not by the shape of a name.
_CLASSES = tuple(t for t in EntityType if t is not EntityType.PERSON)


@dataclass(frozen=True, slots=True)
class TypeGuess:
    type: EntityType
    probability: float


class TypeClassifier:
    """Character n-gram logistic regression over (name → type) examples."""

    def __init__(self) -> None:
        self._model: object | None = None
        self._classes: list[EntityType] = []

    def fit(self, names: Sequence[str], types: Sequence[EntityType], weights: Sequence[float]) -> bool:
        """Train on known names; False (and no model) when there are too few classes to learn from."""
        rows = [(n, t, w) for n, t, w in zip(names, types, weights, strict=True) if t in _CLASSES and n]
        if len({t for _, t, _ in rows}) < 2:
            return False
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import make_pipeline

        # Stochastic gradient descent on the logistic loss: the same model as a logistic regression,
        # fitted in a fraction of the time (a few thousand names, tens of thousands of n-grams).
        model = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True, sublinear_tf=True),
            SGDClassifier(loss="log_loss", alpha=2e-5, max_iter=15, tol=None, random_state=0),
        )
        model.fit(
            [n for n, _, _ in rows],
            [t.value for _, t, _ in rows],
            sgdclassifier__sample_weight=np.array([w for _, _, w in rows], dtype=float),
        )
        self._model = model
        self._classes = [EntityType(c) for c in model.classes_]
        return True

    def predict(self, names: Sequence[str]) -> list[TypeGuess | None]:
        """The most likely type of each name with its probability (None without a trained model)."""
        if self._model is None or not names:
            return [None] * len(names)
        probs = self._model.predict_proba(list(names))  # type: ignore[attr-defined]
        best = probs.argmax(axis=1)
        return [TypeGuess(self._classes[int(b)], float(p[b])) for b, p in zip(best, probs, strict=True)]
