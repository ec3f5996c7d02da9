"""Themes across a phase's ideas: TF-IDF + k-means in numpy, computed locally and deterministic for the same input.

No external service and no scikit-learn. Imported when the insights page asks (insights.themes), so a web worker
does not load numpy to start.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from plugins.ideation.text import tokens


@dataclass(frozen=True)
class Theme:
    terms: list[str]
    idea_ids: list[int]


def tfidf(documents: list[list[str]], *, max_terms: int = 2000) -> tuple[np.ndarray, list[str]]:
    """L2-normalised TF-IDF matrix (documents by terms) over the most frequent terms."""
    df: Counter[str] = Counter()
    for doc in documents:
        df.update(set(doc))
    vocabulary = [t for t, n in sorted(df.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 1][:max_terms]
    index = {t: i for i, t in enumerate(vocabulary)}
    matrix = np.zeros((len(documents), len(vocabulary)), dtype=np.float64)
    n_docs = len(documents)
    idf = np.array([math.log((1 + n_docs) / (1 + df[t])) + 1 for t in vocabulary])
    for row, doc in enumerate(documents):
        for term, count in Counter(doc).items():
            col = index.get(term)
            if col is not None:
                matrix[row, col] = count
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms, vocabulary


def kmeans(matrix: np.ndarray, k: int, *, iterations: int = 50, seed: int = 7, restarts: int = 8) -> np.ndarray:
    """Spherical k-means, best of several k-means++ starts; a label per row. Deterministic for a given seed."""
    best_labels, best_score = None, -1.0
    for attempt in range(restarts):
        labels, score = _kmeans_once(matrix, k, iterations=iterations, seed=seed + attempt)
        if score > best_score + 1e-9:
            best_labels, best_score = labels, score
    return best_labels


def _kmeans_once(matrix: np.ndarray, k: int, *, iterations: int, seed: int) -> tuple[np.ndarray, float]:
    n = matrix.shape[0]
    rng = np.random.default_rng(seed)
    centres = [matrix[int(rng.integers(n))]]
    for _ in range(1, k):
        sims = np.max(matrix @ np.array(centres).T, axis=1)
        distances = np.clip(1 - sims, 0, None) ** 2
        total = distances.sum()
        choice = int(rng.choice(n, p=distances / total)) if total > 0 else int(rng.integers(n))
        centres.append(matrix[choice])
    centre_matrix = np.array(centres)
    labels = np.full(n, -1)
    for _ in range(iterations):
        new_labels = np.argmax(matrix @ centre_matrix.T, axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for j in range(k):
            members = matrix[labels == j]
            if len(members):
                centre = members.sum(axis=0)
                norm = np.linalg.norm(centre)
                centre_matrix[j] = centre / norm if norm else centre
    score = float(np.sum(np.max(matrix @ centre_matrix.T, axis=1)))
    return labels, score


def themes(items: list[tuple[int, str]], *, k: int | None = None, top_terms: int = 4) -> list[Theme]:
    """Group (id, text) items into themes, largest first; each theme named by its strongest terms."""
    docs = [(ident, tokens(text)) for ident, text in items]
    docs = [(ident, words) for ident, words in docs if words]
    if len(docs) < 2:
        return [Theme(terms=sorted(set(docs[0][1]))[:top_terms], idea_ids=[docs[0][0]])] if docs else []
    matrix, vocabulary = tfidf([words for _, words in docs])
    if k is None:
        k = max(2, min(12, round(math.sqrt(len(docs) / 2))))
    k = min(k, len(docs))
    labels = kmeans(matrix, k)
    result = []
    for j in range(k):
        rows = np.where(labels == j)[0]
        if not len(rows):
            continue
        weights = matrix[rows].sum(axis=0)
        best = [vocabulary[i] for i in np.argsort(-weights)[:top_terms] if weights[i] > 0]
        result.append(Theme(terms=best, idea_ids=[docs[i][0] for i in rows]))
    result.sort(key=lambda t: (-len(t.idea_ids), t.terms))
    return result
