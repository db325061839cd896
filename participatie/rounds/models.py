"""Consultation rounds on a map, their plan layers (kept in numbered versions) and the zones in them."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..projects.models import Project

DEFAULT_THEMES = ("landschap", "cultuurhistorie", "natuur", "landbouw")
GEOMETRY_KINDS = ("point", "line", "area")
PRE_MODERATION = "pre"
POST_MODERATION = "post"
VOTES_REMOVE = "remove"
VOTES_KEEP_ANONYMOUS = "keep_anonymous"


def _default_themes() -> list:
    return list(DEFAULT_THEMES)


def _default_geometries() -> list:
    return list(GEOMETRY_KINDS)


class Round(db.Model):
    """A consultation within a project. Times are naive UTC; people enter and read them in
    Europe/Amsterdam (see rounds.services)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # The question put to residents, and how to take part (plain text).
    question: Mapped[str] = mapped_column(default="")
    instructions: Mapped[str] = mapped_column(default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    themes: Mapped[list] = mapped_column(JSON, default=_default_themes)
    # Which of GEOMETRY_KINDS residents may draw.
    allowed_geometries: Mapped[list] = mapped_column(JSON, default=_default_geometries)
    votes_enabled: Mapped[bool] = mapped_column(default=True)
    moderation: Mapped[str] = mapped_column(String(8), default=POST_MODERATION)
    # The map's start view; None means: fit the round's area.
    center_lat: Mapped[float | None]
    center_lon: Mapped[float | None]
    zoom: Mapped[int | None]
    # GeoJSON geometry (WGS84) that contributions must lie in; None means the project's area.
    area: Mapped[dict | None] = mapped_column(JSON)
    # Privacy statement (empty: a default text built from the configuration, see accounts.privacy).
    privacy_purpose: Mapped[str] = mapped_column(default="", server_default="")
    privacy_legal_basis: Mapped[str] = mapped_column(default="", server_default="")
    privacy_contact: Mapped[str] = mapped_column(default="", server_default="")
    # What happens to a person's votes when they delete their account: VOTES_REMOVE or VOTES_KEEP_ANONYMOUS.
    votes_on_account_deletion: Mapped[str] = mapped_column(String(16), default="remove", server_default="remove")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    layers: Mapped[list["Layer"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by=lambda: (Layer.position, Layer.id)
    )

    @property
    def is_pre_moderated(self) -> bool:
        return self.moderation == PRE_MODERATION


class Layer(db.Model):
    """A plan layer of a round, e.g. the opportunity zones; its content lives in LayerVersions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(default="")
    # The feature property that styles the map and the legend, e.g. "categorie".
    style_property: Mapped[str] = mapped_column(String(80), default="categorie")
    # Whether residents may vote on this layer's zones (if the round has votes on).
    votable: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship(back_populates="layers")
    versions: Mapped[list["LayerVersion"]] = relationship(
        back_populates="layer", cascade="all, delete-orphan", order_by="LayerVersion.number"
    )


class LayerVersion(db.Model):
    """One upload of a layer: version 1, 2, …; older versions stay readable.
    The current version is the highest-numbered published one."""

    __table_args__ = (UniqueConstraint("layer_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # The normalised WGS84 FeatureCollection; deferred so that lists of versions stay light.
    geojson: Mapped[dict] = mapped_column(JSON, deferred=True)
    feature_count: Mapped[int] = mapped_column(default=0)
    # What the upload was in (EPSG:4326 or EPSG:28992) and which property identified the zones.
    source_crs: Mapped[str] = mapped_column(String(20), default="EPSG:4326")
    key_property: Mapped[str] = mapped_column(String(80), default="#")
    filename: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(default="")
    published: Mapped[bool] = mapped_column(default=True)
    min_lon: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lon: Mapped[float | None]
    max_lat: Mapped[float | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    layer: Mapped[Layer] = relationship(back_populates="versions")
    zones: Mapped[list["Zone"]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Zone.feature_index"
    )


class Zone(db.Model):
    """One feature of a layer version. `key` identifies the same zone across versions of a layer,
    so votes (which name layer_id + key) carry over to a new version."""

    __table_args__ = (
        UniqueConstraint("layer_version_id", "key"),
        Index("ix_zone_layer_key", "layer_id", "key"),
        Index("ix_zone_bbox", "layer_version_id", "min_lon", "min_lat", "max_lon", "max_lat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_version_id: Mapped[int] = mapped_column(ForeignKey("layer_version.id", ondelete="CASCADE"))
    # Denormalised from the version: votes and filters look zones up by (layer, key).
    layer_id: Mapped[int] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"))
    feature_index: Mapped[int]  # 1-based feature number in the uploaded file
    key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), default="")
    properties: Mapped[dict] = mapped_column(JSON, default=dict)
    geometry: Mapped[dict] = mapped_column(JSON)
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]

    version: Mapped[LayerVersion] = relationship(back_populates="zones")
    layer: Mapped[Layer] = relationship()
