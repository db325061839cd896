"""Map-table sessions (kaarttafelsessies): a facilitated session on a round's map, on one theme or
integral, with invited organisations, their participants and one-time participant codes.

Times are naive UTC, shown and entered in Europe/Amsterdam (see rounds.services.local_to_utc).
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User, utcnow
from ..extensions import db
from ..rounds.models import Round

PLANNED = "gepland"
LIVE = "live"
CLOSED = "afgerond"
STATUSES = (PLANNED, LIVE, CLOSED)

INTEGRAL = "integraal"


class MapTableSession(db.Model):
    """One map-table session of a round. `theme` is one of the round's themes or INTEGRAL."""

    __tablename__ = "map_table_session"
    __table_args__ = (
        CheckConstraint("status IN ('gepland', 'live', 'afgerond')", name="status"),
        Index("ix_map_table_session_round", "round_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    # Short code participants type to join (no ambiguous letters), unique over all sessions.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=PLANNED)
    # Plain text, stored as typed, shown escaped.
    minutes: Mapped[str] = mapped_column(default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship()
    facilitators: Mapped[list[User]] = relationship(
        secondary="map_table_facilitator", order_by="User.display_name"
    )
    organisations: Mapped[list[Organisation]] = relationship(
        secondary="map_table_organisation", order_by="Organisation.name"
    )
    participants: Mapped[list[User]] = relationship(
        secondary="map_table_participant", order_by="User.display_name", viewonly=False
    )

    @property
    def is_integral(self) -> bool:
        return self.theme == INTEGRAL

    @property
    def is_closed(self) -> bool:
        return self.status == CLOSED


class MapTableFacilitator(db.Model):
    """A staff member who leads a session."""

    __tablename__ = "map_table_facilitator"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("map_table_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)


class MapTableOrganisation(db.Model):
    """An organisation invited to a session."""

    __tablename__ = "map_table_organisation"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("map_table_session.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MapTableParticipant(db.Model):
    """A stakeholder account invited by name (its organisation must be invited too)."""

    __tablename__ = "map_table_participant"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("map_table_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)


class ParticipantCode(db.Model):
    """A one-time code that lets one person of an organisation join a session without an account.
    Only a SHA-256 hash of the code is stored; the code itself is shown once, when made."""

    __tablename__ = "map_table_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("map_table_session.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A name or note for staff ("deelnemer 1"); no e-mail addresses needed.
    label: Mapped[str] = mapped_column(String(120), default="")
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[MapTableSession] = relationship()
    organisation: Mapped[Organisation] = relationship()
