"""Writing to and reading from the audit log.

`record()` is the only way in. Entries are never changed or deleted by the application: the log shows
who did what with whose data (AVG: accountability), including who read the log out.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User, utcnow
from ..extensions import db
from ..rounds.services import local_to_utc
from .models import AuditEntry

PER_PAGE = 50


def _actor_id(actor) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.id


def record(action: str, actor=None, *, object_type: str = "", object_id="", round_id: int | None = None,
           **details) -> AuditEntry:
    """Add an entry: `actor` (a user, or None for a visitor or a job) did `action` to the object.
    `details` (JSON) say how: format, rows, purpose, filters. The caller commits."""
    roles = sorted(r.value for r in getattr(actor, "role_set", set())) if _actor_id(actor) else []
    entry = AuditEntry(
        actor_id=_actor_id(actor), action=action[:60], object_type=object_type[:40],
        object_id=str(object_id if object_id is not None else "")[:120], round_id=round_id,
        details={**details, "roles": roles} if roles else dict(details), created_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class AuditFilter:
    """What the audit page filters on; empty values mean: no filter. Dates are Europe/Amsterdam days."""

    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def _conditions(f: AuditFilter) -> list:
    conditions = []
    if f.action:
        conditions.append(AuditEntry.action == f.action)
    if f.actor:
        needle = f.actor.strip().lower()
        if needle.isdigit():
            conditions.append(AuditEntry.actor_id == int(needle))
        else:
            # An e-mail address matches exactly; anything else is part of a name.
            conditions.append(AuditEntry.actor_id.in_(select(User.id).where(or_(
                func.lower(User.email) == needle,
                func.lower(User.display_name).contains(needle, autoescape=True)))))
    if f.since:
        conditions.append(AuditEntry.created_at >= local_to_utc(datetime.combine(f.since, time.min)))
    if f.until:
        conditions.append(AuditEntry.created_at < local_to_utc(datetime.combine(f.until + timedelta(days=1), time.min)))
    return conditions


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _query(f: AuditFilter):
    return select(AuditEntry).where(*_conditions(f)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def entries(f: AuditFilter, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """A page of entries matching the filter, newest first, with their actors (three queries)."""
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*_conditions(f)))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(_query(f).options(selectinload(AuditEntry.actor))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return AuditPage(list(rows), total, page, per_page)


def count(f: AuditFilter) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(*_conditions(f)))


def iter_rows(f: AuditFilter, batch: int = 1000):
    """(entry, actor display name) for every matching entry, newest first, read in batches."""
    query = (select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.actor_id)
             .where(*_conditions(f)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
             .execution_options(yield_per=batch))
    yield from db.session.execute(query)


def actions() -> list[str]:
    """The actions that occur in the log, for the filter list."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
