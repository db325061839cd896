"""The province's official response to one contribution or a group of them (e.g. all about one
zone), written by a moderator or policy analyst: a draft first, then published."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..contributions.models import Contribution
from ..extensions import db
from ..rounds.models import Round

DRAFT = "draft"
PUBLISHED = "published"
STATUSES = (DRAFT, PUBLISHED)

# Which contributions a response answers. The rows are fixed when the response is written: a
# response "about zone A" answers the contributions that were in zone A at that moment.
response_contribution = Table(
    "response_contribution",
    db.metadata,
    Column("response_id", ForeignKey("response.id", ondelete="CASCADE"), primary_key=True),
    Column("contribution_id", ForeignKey("contribution.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Response(db.Model):
    __table_args__ = (Index("ix_response_round", "round_id", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    # Stored as typed; escaped when shown.
    text: Mapped[str]
    # Free text naming the phase in which the province answers, e.g. "na vaststelling".
    phase_label: Mapped[str] = mapped_column(String(100), default="")
    # A zone response names its zone; the contributions are in response_contribution either way.
    zone_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    contributions: Mapped[list[Contribution]] = relationship(
        secondary=response_contribution, order_by=Contribution.id, passive_deletes=True)

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT
