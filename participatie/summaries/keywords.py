"""Keywords and key phrases (TF-IDF over lemmatised uni- and bigrams) and representative quotes.

Every step runs offline: words are cut out with a regular expression, reduced to their dictionary
form with simplemma (fietspaden → fietspad, bomen → boom; Dutch compounds it does not know are
reduced on their last part: zonnevelden → zonneveld), Dutch and English stop words
(stopwordsiso) are dropped, and pairs of neighbouring remaining words form the key phrases.
A key phrase never bridges a stop word or a sentence break, so "fietspad langs de rivier" gives
"fietspad" and "rivier", not "fietspad rivier".
"""
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Letters only (so numbers, emoji and punctuation are never keywords), hyphenated words kept whole.
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|[.!?;:]+")
_BREAK = re.compile(r"[.!?;:]+")
MIN_LENGTH = 3

# Words that say nothing about the subject of a consultation input; added to the stop-word lists.
EXTRA_STOPWORDS = {
    "graag", "denk", "denken", "vind", "vinden", "vindt", "mening", "gewoon", "echt", "heel", "erg", "wel",
    "weet", "weten", "zeggen", "zegt", "goed", "hier", "daar", "plek", "plekken", "provincie", "ik", "wij",
    "jullie", "hoor", "iemand", "iets", "elkaar", "kunnen", "moeten", "willen", "zullen", "gaan", "komen",
    "laten", "maken", "doen", "staan", "liggen", "zien", "hebben", "zijn", "worden", "houden", "krijgen",
    "mee", "hiermee", "daarmee", "waarmee", "namens", "aantal", "jaar", "jaren", "kennen", "leggen", "zitten",
    "blijven", "geven", "kiezen", "vragen", "horen", "wonen", "woon", "gebied", "eens", "oneens", "please",
    "langs", "tussen", "naast", "richting", "rondom", "vlakbij",
}


@lru_cache(maxsize=1)
def stopwords() -> frozenset:
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords(["nl", "en"])) | EXTRA_STOPWORDS


# Words simplemma's dictionary reduces to the wrong word for our subject (velden → vellen).
LEMMA_CORRECTIONS = {"velden": "veld", "kruiden": "kruid", "zonnevelden": "zonneveld"}


@lru_cache(maxsize=500_000)
def lemma(token: str) -> str:
    """The dictionary form of a lowercase word (Dutch), with a fallback for compounds."""
    import simplemma

    if token in LEMMA_CORRECTIONS:
        return LEMMA_CORRECTIONS[token]
    result = simplemma.lemmatize(token, lang="nl")
    if result != token or len(token) < 8 or simplemma.is_known(token, lang="nl"):
        return result.lower()
    # An unknown compound: reduce its shortest known tail of four letters or more
    # (landbouw|gronden → landbouw|grond).
    for cut in range(len(token) - 4, 2, -1):
        tail = token[cut:]
        if tail in LEMMA_CORRECTIONS or simplemma.is_known(tail, lang="nl"):
            tail_lemma = LEMMA_CORRECTIONS.get(tail) or simplemma.lemmatize(tail, lang="nl").lower()
            return token[:cut] + tail_lemma if tail_lemma != tail else token
    return token


class Analyser:
    """Turns a text into its terms: lemmas and neighbouring-lemma pairs, without stop words."""

    def __init__(self, max_chars: int = 5000):
        self.max_chars = max_chars
        self.stop = stopwords()
        self._pairs: dict = {}

    def terms(self, text: str) -> list[str]:
        terms = []
        previous = None
        for token in _TOKEN.findall(text[: self.max_chars].lower()):
            if _BREAK.fullmatch(token):
                previous = None
                continue
            word = lemma(token) if "-" not in token else token
            if len(word) < MIN_LENGTH or token in self.stop or word in self.stop:
                previous = None
                continue
            terms.append(word)
            if previous is not None and previous != word:
                pair = self._pairs.get((previous, word))
                if pair is None:  # one string object per pair keeps 100,000 texts small in memory
                    pair = self._pairs[(previous, word)] = f"{previous} {word}"
                terms.append(pair)
            previous = word
        return terms


@dataclass
class TermMatrix:
    """TF-IDF weights (rows: contributions, columns: terms) and the terms."""

    matrix: object  # scipy.sparse CSR, float32, rows L2-normalised
    terms: np.ndarray  # column → term
    presence: object  # scipy.sparse CSC, 1 where a contribution contains a term


def term_matrix(texts: list[str], max_features: int, min_df: int, max_chars: int) -> TermMatrix | None:
    """TF-IDF over the texts' terms; None when no term occurs in `min_df` contributions or more."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyser = Analyser(max_chars)
    documents = [analyser.terms(text) for text in texts]
    if len(documents) < min_df:
        return None
    vectoriser = TfidfVectorizer(analyzer=_identity, min_df=min_df, max_features=max_features, sublinear_tf=True,
                                 dtype=np.float32)
    try:
        matrix = vectoriser.fit_transform(documents)
    except ValueError:  # empty vocabulary: nothing occurs often enough
        return None
    presence = matrix.copy()
    presence.data[:] = 1
    return TermMatrix(matrix.tocsr(), vectoriser.get_feature_names_out(), presence.tocsc())


def _identity(terms):
    return terms


@dataclass
class Keyword:
    term: str
    score: float  # summed TF-IDF weight in the group
    count: int  # contributions in the group that contain the term
    rows: np.ndarray  # those contributions (row numbers)


def top_keywords(tm: TermMatrix | None, rows: np.ndarray, limit: int) -> list[Keyword]:
    """The `limit` terms with the highest summed TF-IDF weight over the given rows; ties broken by
    the number of contributions and then alphabetically, so that the order is always the same."""
    if tm is None or len(rows) == 0 or limit <= 0:
        return []
    rows = np.asarray(rows, dtype=np.int64)
    scores = np.asarray(tm.matrix[rows].sum(axis=0)).ravel()
    counts = np.asarray(tm.presence[rows].sum(axis=0)).ravel()
    candidates = np.flatnonzero(counts >= min(2, len(rows)))
    if len(candidates) == 0:
        return []
    # Sort by score (rounded, so float noise never reorders), then count, then the term itself
    # (columns are in alphabetical order of their terms).
    keys = (candidates, -counts[candidates], -np.round(scores[candidates], 4))
    order = candidates[np.lexsort(keys)][:limit]
    member = np.zeros(tm.matrix.shape[0], dtype=bool)
    member[rows] = True
    result = []
    for column in order:
        start, end = tm.presence.indptr[column], tm.presence.indptr[column + 1]
        containing = tm.presence.indices[start:end]
        containing = np.sort(containing[member[containing]])
        result.append(Keyword(str(tm.terms[column]), round(float(scores[column]), 4), int(counts[column]),
                              containing))
    return result


def representative(tm: TermMatrix | None, rows: np.ndarray, texts: list[str], authors: np.ndarray, limit: int,
                   min_chars: int, max_chars: int) -> list[int]:
    """The row numbers of the `limit` contributions most central to the group: highest cosine
    similarity with the group's mean TF-IDF vector. At most one per author (so one prolific writer
    cannot fill the quotes) and no text twice, preferring texts of readable length; ties go to the lower row."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0 or limit <= 0:
        return []
    if tm is None:
        similarity = np.zeros(len(rows))
    else:
        sub = tm.matrix[rows]
        centre = np.asarray(sub.mean(axis=0)).ravel()
        similarity = np.asarray(sub @ centre).ravel()
    lengths = np.fromiter((len(texts[r].strip()) for r in rows), dtype=np.int64, count=len(rows))
    readable = (lengths >= min_chars) & (lengths <= max_chars)
    order = np.lexsort((rows, -np.round(similarity, 6), ~readable))
    chosen, seen_authors, seen_texts = [], set(), set()
    for position in order:
        row = int(rows[position])
        author = int(authors[row])
        text = " ".join(texts[row].split()).lower()
        if (author >= 0 and author in seen_authors) or not text or text in seen_texts:
            continue
        seen_texts.add(text)
        chosen.append(row)
        if author >= 0:
            seen_authors.add(author)
        if len(chosen) == limit:
            break
    return chosen
