"""Contributions on a round's map, replies under them, their photos, and votes.

Counts (support, objection, replies) are not stored on the contribution: they are counted with
GROUP BY / correlated subqueries when read, so that moderation, deleted accounts (cascades) and
concurrent votes can never make them drift.
"""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User, utcnow
from ..extensions import db
from ..maptable.models import MapTableSession
from ..rounds.models import Round, Zone

PENDING = "pending"
PUBLISHED = "published"
HIDDEN = "hidden"
REJECTED = "rejected"
STATUSES = (PENDING, PUBLISHED, HIDDEN, REJECTED)

CHANNELS = ("web", "kaarttafel", "paper", "phone", "in_person")

SUPPORT = "support"
OBJECTION = "objection"
VOTE_VALUES = (SUPPORT, OBJECTION)
# An organisation's position in map-table input: for, against, or: take the zone out of the plan.
EXCLUDE = "exclude"
STANCES = (SUPPORT, OBJECTION, EXCLUDE)

# How a contribution got its place: drawn on the map, a chosen zone, or a chosen municipality
# (the latter two are approximate points, which summaries may want to treat differently).
PLACE_MAP = "map"
PLACE_ZONE = "zone"
PLACE_MUNICIPALITY = "place"


class Contribution(db.Model):
    __table_args__ = (
        # Viewport queries: equality on round and status, then a range on the bounding box.
        Index("ix_contribution_bbox", "round_id", "status", "min_lon", "min_lat", "max_lon", "max_lat"),
        Index("ix_contribution_list", "round_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    # None for input received on paper or by phone, or after the author's account was removed.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    theme: Mapped[str] = mapped_column(String(40))
    # Stored exactly as typed (after trimming); escaped when shown, never stored as HTML.
    text: Mapped[str]
    # GeoJSON geometry (WGS84): Point, LineString or Polygon; None only for input without a place.
    geometry: Mapped[dict | None] = mapped_column(JSON)
    geometry_type: Mapped[str | None] = mapped_column(String(8))  # point / line / area
    min_lon: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lon: Mapped[float | None]
    max_lat: Mapped[float | None]
    place_source: Mapped[str | None] = mapped_column(String(8))  # PLACE_MAP / PLACE_ZONE / PLACE_MUNICIPALITY
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id", ondelete="SET NULL"), index=True)
    place_label: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    has_photo: Mapped[bool] = mapped_column(default=False)
    # The random key of the form it was sent with (hidden field, made when the form is shown): a form
    # sent twice (double click, a retry on a slow line) makes one contribution, not two.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Map-table input (channel "kaarttafel"): the session it was given in and the organisation it
    # speaks for (also for input a facilitator entered on an organisation's behalf).
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("map_table_session.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    # The organisation's position on the zone the input is about: STANCES, or None (just a remark).
    # Map-table conflicts (maptable.services.conflicts) are read from it.
    stance: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Moderation (see participatie/moderation): the reason shown to the author and the public (the rule
    # broken when hidden, the reason when rejected); the text before a moderator redacted it (moderators
    # only); the automatic-check codes that sent it to the queue; the contribution it duplicates.
    moderation_reason: Mapped[str] = mapped_column(default="", server_default="")
    original_text: Mapped[str | None]
    held_reasons: Mapped[list | None] = mapped_column(JSON)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id", ondelete="SET NULL"))
    # Input entered by staff (paper, phone, in person): the date it was received, who sent it (optional
    # personal data, purged by the retention job) and who entered it.
    received_at: Mapped[date | None]
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_details: Mapped[str | None] = mapped_column(String(500))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    round: Mapped[Round] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    zone: Mapped[Zone | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    session: Mapped[MapTableSession | None] = relationship()
    photo: Mapped["ContributionPhoto | None"] = relationship(
        cascade="all, delete-orphan", uselist=False, passive_deletes=True
    )
    replies: Mapped[list["Reply"]] = relationship(
        back_populates="contribution", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Reply.created_at",
    )

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED


class ContributionPhoto(db.Model):
    """The re-encoded photo of a contribution, apart so that lists never load the bytes."""

    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contribution.id", ondelete="CASCADE"), primary_key=True
    )
    media_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Reply(db.Model):
    """A reply under a contribution (one level, no replies to replies)."""

    __table_args__ = (Index("ix_reply_contribution", "contribution_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    text: Mapped[str]
    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Moderation: as on Contribution.
    moderation_reason: Mapped[str] = mapped_column(default="", server_default="")
    original_text: Mapped[str | None]
    held_reasons: Mapped[list | None] = mapped_column(JSON)

    contribution: Mapped[Contribution] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship()


class Vote(db.Model):
    """Support or objection by one person on one target: a contribution, or a zone of a layer.

    A zone vote names (layer_id, zone_key), not a zone row, so it holds across layer versions.
    The unique constraints make a second vote impossible even from two tabs at the same moment;
    NULLs never collide, so each constraint only bites for its own kind of target.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "contribution_id", name="uq_vote_user_contribution"),
        UniqueConstraint("user_id", "layer_id", "zone_key", name="uq_vote_user_zone"),
        CheckConstraint("value IN ('support', 'objection')", name="value"),
        CheckConstraint(
            "(contribution_id IS NOT NULL AND layer_id IS NULL AND zone_key IS NULL) OR "
            "(contribution_id IS NULL AND layer_id IS NOT NULL AND zone_key IS NOT NULL)",
            name="one_target",
        ),
        Index("ix_vote_contribution", "contribution_id", "value"),
        Index("ix_vote_zone", "layer_id", "zone_key", "value"),
        # Covers "support per contribution in this round" for sorting by most supported.
        Index("ix_vote_round", "round_id", "value", "contribution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The round the target belongs to: summaries and exports read a round's votes in one query.
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"))
    layer_id: Mapped[int | None] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"))
    zone_key: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
