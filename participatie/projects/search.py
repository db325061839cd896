"""Full-text search over published projects and documents, in Dutch.

Both databases search the same `search_entry` rows (title + body in their original words):

* SQLite: FTS5 has no Dutch stemmer, so `search_fts` holds the Snowball-stemmed title and body
  (rowid = search_entry.id) and a query becomes quoted stemmed words. We use the "dutch_porter"
  algorithm because it is the one PostgreSQL's 'dutch' configuration uses; Snowball's newer "dutch"
  does not stem "zonnevelden" to "zonneveld".
* PostgreSQL: `to_tsvector('dutch', ...) @@ plainto_tsquery('dutch', :q)` on the expression that the
  GIN index of migration 0002 covers, ranked with ts_rank.

Snippets are built here in Python from the original text, so both databases show the same thing.
"""
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import text

from ..extensions import db
from .models import PUBLISHED, Project, SearchEntry

PROJECT = "project"
DOCUMENT = "document"
PER_PAGE = 20
MAX_PAGE = 500  # nobody pages further; it also keeps OFFSET within the database's integer range
MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 30
SNIPPET_SCAN_CHARS = 100_000

# Letters and digits, split the way FTS5's unicode61 tokenizer splits (so "_" separates words).
_WORD = re.compile(r"[^\W_]+")
# PostgreSQL's tsearch_data/dutch.stop: these words are never indexed there, so not here either.
DUTCH_STOPWORDS = frozenset(
    "de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem "
    "dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb "
    "hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel "
    "meer doen toen moet ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt "
    "wezen kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest andere".split()
)
_local = threading.local()


def _stemmer():
    """One stemmer per thread: Snowball stemmer objects keep state while they work."""
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("dutch_porter")
    return _local.stemmer


def stem(word: str) -> str | None:
    """The stem of one word, or None for a stop word."""
    lowered = word.lower()
    if lowered in DUTCH_STOPWORDS:
        return None
    return _stemmer().stemWord(lowered)


def stems(text_: str) -> list[str]:
    """The stems of all words in a text, stop words left out."""
    return [s for s in (stem(m.group()) for m in _WORD.finditer(text_ or "")) if s]


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


# --- keeping the index up to date ------------------------------------------------------------


def index(kind: str, object_id: int, project_id: int, title: str, body: str) -> SearchEntry:
    """Add or replace the search entry of one project or document (flushes, the caller commits)."""
    entry = db.session.scalar(db.select(SearchEntry).filter_by(kind=kind, object_id=object_id))
    if entry is None:
        entry = SearchEntry(kind=kind, object_id=object_id)
        db.session.add(entry)
    entry.project_id = project_id
    entry.title = (title or "")[:200]
    entry.body = body or ""
    db.session.flush()
    if not is_postgres():
        db.session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": entry.id})
        db.session.execute(
            text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"),
            {"id": entry.id, "title": " ".join(stems(entry.title)), "body": " ".join(stems(entry.body))},
        )
    return entry


def remove(kind: str, object_id: int) -> None:
    """Remove the search entry of one project or document, if there is one."""
    entry = db.session.scalar(db.select(SearchEntry).filter_by(kind=kind, object_id=object_id))
    if entry is not None:
        _remove_entries([entry.id])


def remove_project(project_id: int) -> None:
    """Remove every search entry of a project (its own and its documents')."""
    ids = db.session.scalars(db.select(SearchEntry.id).filter_by(project_id=project_id)).all()
    _remove_entries(ids)


def _remove_entries(ids) -> None:
    for entry_id in ids:
        if not is_postgres():
            db.session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": entry_id})
        db.session.execute(db.delete(SearchEntry).where(SearchEntry.id == entry_id))
    db.session.flush()


# --- searching -------------------------------------------------------------------------------


@dataclass
class Result:
    entry: SearchEntry
    project: Project
    title: Markup
    snippet: Markup

    @property
    def kind(self) -> str:
        return self.entry.kind


@dataclass
class Page:
    query: str
    page: int
    total: int
    results: list[Result] = field(default_factory=list)

    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def fts_match_query(query: str) -> str | None:
    """The FTS5 MATCH expression for a user's query: only stemmed words, each in double quotes
    (so FTS5 operators and syntax in the user's text are never interpreted). None if no words."""
    words = list(dict.fromkeys(stems(query)))
    if not words:
        return None
    # Stems hold only letters and digits (see _WORD), so they cannot contain a double quote.
    return " ".join(f'"{word}"' for word in words)


def search(query: str, page: int = 1) -> Page:
    """Published projects and documents matching `query`, best first, PER_PAGE per page."""
    # Control characters (a NUL byte breaks PostgreSQL) are never part of a word anyway.
    query = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in (query or "")).strip()
    page = min(max(1, page), MAX_PAGE)
    if is_postgres():
        total, ids = _search_postgres(query, page)
    else:
        total, ids = _search_sqlite(query, page)
    result = Page(query=query, page=page, total=total)
    if not ids:
        return result
    entries = {e.id: e for e in db.session.scalars(db.select(SearchEntry).where(SearchEntry.id.in_(ids)))}
    projects = {
        p.id: p
        for p in db.session.scalars(
            db.select(Project).where(Project.id.in_({e.project_id for e in entries.values()}))
        )
    }
    wanted = set(stems(query))
    for entry_id in ids:
        entry = entries[entry_id]
        result.results.append(
            Result(
                entry=entry,
                project=projects[entry.project_id],
                title=highlight(entry.title, wanted, window=None),
                snippet=highlight(entry.body, wanted),
            )
        )
    return result


def _search_sqlite(query: str, page: int) -> tuple[int, list[int]]:
    match = fts_match_query(query)
    if match is None:
        return 0, []
    where = (
        "FROM search_fts JOIN search_entry e ON e.id = search_fts.rowid "
        "JOIN project p ON p.id = e.project_id "
        "WHERE search_fts MATCH :match AND p.status = :published"
    )
    params = {"match": match, "published": PUBLISHED}
    total = db.session.execute(text(f"SELECT count(*) {where}"), params).scalar_one()
    # bm25: lower is better; a word in the title weighs five times a word in the body.
    ids = db.session.execute(
        text(f"SELECT e.id {where} ORDER BY bm25(search_fts, 5.0, 1.0), e.id LIMIT :limit OFFSET :offset"),
        {**params, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE},
    ).scalars().all()
    return total, list(ids)


# Exactly the expression of the GIN index in migration 0002, so PostgreSQL can use that index.
_PG_DOCUMENT = "to_tsvector('dutch', coalesce(e.title, '') || ' ' || coalesce(e.body, ''))"


def _search_postgres(query: str, page: int) -> tuple[int, list[int]]:
    if not stems(query):
        return 0, []
    where = (
        "FROM search_entry e JOIN project p ON p.id = e.project_id "
        f"WHERE {_PG_DOCUMENT} @@ plainto_tsquery('dutch', :q) AND p.status = :published"
    )
    params = {"q": query, "published": PUBLISHED}
    total = db.session.execute(text(f"SELECT count(*) {where}"), params).scalar_one()
    # Rank with the title weighted above the body, as on SQLite.
    rank = (
        "ts_rank(setweight(to_tsvector('dutch', coalesce(e.title, '')), 'A') || "
        "setweight(to_tsvector('dutch', coalesce(e.body, '')), 'D'), plainto_tsquery('dutch', :q))"
    )
    ids = db.session.execute(
        text(f"SELECT e.id {where} ORDER BY {rank} DESC, e.id LIMIT :limit OFFSET :offset"),
        {**params, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE},
    ).scalars().all()
    return total, list(ids)


# --- snippets --------------------------------------------------------------------------------


def highlight(text_: str, wanted: set[str], window: int | None = SNIPPET_WORDS) -> Markup:
    """The text (or a window of about `window` words around the most matches) with every word whose
    stem is in `wanted` wrapped in <mark>; everything else escaped."""
    text_ = text_ or ""
    if window is not None:
        # A snippet is a preview: looking at the start of a long document is enough, and keeps a
        # page of results fast.
        text_ = text_[:SNIPPET_SCAN_CHARS]
    matches = _matcher(wanted)
    words = [(m.start(), m.end(), matches(m.group())) for m in _WORD.finditer(text_)]
    if not words:
        return Markup(escape(" ".join(text_.split())))
    first, last = 0, len(words)
    if window is not None and len(words) > window:
        first = _best_window(words, window)
        last = min(len(words), first + window)
    start = 0 if first == 0 else words[first][0]
    end = len(text_) if last == len(words) else words[last - 1][1]
    parts = []
    position = start
    for word_start, word_end, matched in words[first:last]:
        if matched:
            parts.append(escape(text_[position:word_start]))
            parts.append(Markup("<mark>%s</mark>") % text_[word_start:word_end])
            position = word_end
    parts.append(escape(text_[position:end]))
    # Line breaks and runs of spaces become one space: a snippet is one line of text.
    snippet = Markup(re.sub(r"\s+", " ", str(Markup("").join(parts))).strip())
    if first > 0:
        snippet = Markup("… ") + snippet
    if last < len(words):
        snippet = snippet + Markup(" …")
    return snippet


def _matcher(wanted: set[str]):
    """A function word → bool: does the word's stem appear in `wanted`?

    Stemming is the slow part, so each distinct word is stemmed once, and only when its first two
    letters can start a wanted stem: the Dutch Snowball stemmer keeps those two letters, apart from
    taking the accent off ä ë ï ö ü á é í ó ú."""
    prefixes = {w[:2] for w in wanted}
    seen: dict[str, bool] = {}

    def matches(word: str) -> bool:
        lowered = word.lower()
        if lowered not in seen:
            seen[lowered] = lowered[:2].translate(_STEMMER_ACCENTS) in prefixes and stem(lowered) in wanted
        return seen[lowered]

    return matches


_STEMMER_ACCENTS = str.maketrans("äëïöüáéíóú", "aeiouaeiou")


def _best_window(words: list[tuple[int, int, bool]], window: int) -> int:
    """The first word of the window with the most matches, starting a few words before a match."""
    matches = [i for i, (_, _, matched) in enumerate(words) if matched]
    if not matches:
        return 0
    best_start, best_count = 0, -1
    for index_ in matches:
        start = max(0, min(index_ - 5, len(words) - window))
        count = sum(1 for m in matches if start <= m < start + window)
        if count > best_count:
            best_start, best_count = start, count
    return best_start
