"""Proposals to change one zone of a plan layer, and the zone changes a new layer version records.

A `Proposal` names a zone by its `key` (stable across versions of a layer), the version it was made
against, the category it had then and the one proposed, why, and on whose behalf. Staff accept or
reject it; accepted proposals are applied once, in the next version (`applied_version_id`).
A `ZoneChange` is one changed zone of a version, linked to the proposals that motivated it.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User, utcnow
from ..contributions.models import Contribution
from ..extensions import db
from ..maptable.models import MapTableSession
from ..rounds.models import Layer, LayerVersion, Round

PROPOSED = "proposed"
ACCEPTED = "accepted"
REJECTED = "rejected"
STATUSES = (PROPOSED, ACCEPTED, REJECTED)


class Proposal(db.Model):
    """A proposed change of one zone's category, e.g. "kansrijk" → "uitgesloten" (weidevogelgebied)."""

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'accepted', 'rejected')", name="status"),
        Index("ix_proposal_zone", "layer_id", "zone_key", "status"),
        Index("ix_proposal_round", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from the layer: the staff page lists a round's proposals.
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    layer_id: Mapped[int] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"))
    zone_key: Mapped[str] = mapped_column(String(200))
    # The zone's name when proposed, so the proposal stays readable if a later version drops the zone.
    zone_name: Mapped[str] = mapped_column(String(200))
    # The version the proposal was made against (the current one then).
    base_version_id: Mapped[int] = mapped_column(ForeignKey("layer_version.id", ondelete="CASCADE"), index=True)
    from_category: Mapped[str] = mapped_column(String(100))
    to_category: Mapped[str] = mapped_column(String(100))
    # Stored as typed, shown escaped.
    reason: Mapped[str]
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("map_table_session.id", ondelete="SET NULL"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contribution.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default=PROPOSED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(default="")
    # The version that carried out this accepted proposal; None while it waits for the next version.
    applied_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("layer_version.id", ondelete="SET NULL"), index=True)

    round: Mapped[Round] = relationship()
    layer: Mapped[Layer] = relationship()
    base_version: Mapped[LayerVersion] = relationship(foreign_keys=[base_version_id])
    applied_version: Mapped[LayerVersion | None] = relationship(foreign_keys=[applied_version_id])
    organisation: Mapped[Organisation | None] = relationship()
    session: Mapped[MapTableSession | None] = relationship()
    contribution: Mapped[Contribution | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == PROPOSED

    @property
    def is_pending_application(self) -> bool:
        return self.status == ACCEPTED and self.applied_version_id is None


zone_change_proposal = Table(
    "zone_change_proposal",
    db.metadata,
    Column("zone_change_id", ForeignKey("zone_change.id", ondelete="CASCADE"), primary_key=True),
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ZoneChange(db.Model):
    """One zone whose category a version changed, with the proposals behind the change."""

    __tablename__ = "zone_change"
    __table_args__ = (UniqueConstraint("version_id", "zone_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("layer_version.id", ondelete="CASCADE"))
    layer_id: Mapped[int] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"), index=True)
    zone_key: Mapped[str] = mapped_column(String(200))
    zone_name: Mapped[str] = mapped_column(String(200))
    old_category: Mapped[str] = mapped_column(String(100))
    new_category: Mapped[str] = mapped_column(String(100))

    version: Mapped[LayerVersion] = relationship()
    proposals: Mapped[list[Proposal]] = relationship(secondary=zone_change_proposal, order_by=Proposal.id)
