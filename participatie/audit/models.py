"""One table, written only by `audit.services.record()`; there is no route to change or delete it."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """Who (actor, None for a visitor or a job) did what (action) to which object, when, and the
    details: how many rows, in which format, for which purpose."""

    __table_args__ = (
        Index("ix_audit_entry_created_at", "created_at"),
        Index("ix_audit_entry_action", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL keeps the entry when an account is removed; details keep the role it acted in.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(120), default="")
    # No foreign key: the entry must outlive the round it is about.
    round_id: Mapped[int | None] = mapped_column(index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
