"""A summary of a round (a draft, or a published fixed version) and the contribution groups behind
its figures, so that every number links to exactly the inputs it counted."""
import zlib
from datetime import datetime

import numpy as np
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..rounds.models import Round

DRAFT = "draft"
PUBLISHED = "published"
SUPERSEDED = "superseded"  # a draft replaced by a newer run; kept as history

TEAM = "team"  # published for the policy team (staff) only
PUBLIC = "public"  # published on the round page for everyone
VISIBILITIES = (TEAM, PUBLIC)


class Summary(db.Model):
    __table_args__ = (
        Index("ix_summary_round", "round_id", "status", "created_at"),
        Index("ix_summary_input", "round_id", "input_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    # The job that made this summary (one summary per job, so a retried job never writes twice).
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job_record.id", ondelete="SET NULL"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    visibility: Mapped[str | None] = mapped_column(String(8))
    version: Mapped[int | None]  # 1, 2, … per round, given when published
    theme: Mapped[str | None] = mapped_column(String(40))  # None: all themes
    # sha256 of everything the computation read, and the parameters and algorithm version it used.
    input_hash: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    algorithm_version: Mapped[str] = mapped_column(String(20))
    contribution_count: Mapped[int] = mapped_column(default=0)
    # Figures, zones, hotspots, keywords, topics and quotes (see services.compute).
    content: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    # name → SVG text of each chart.
    charts: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    # The analyst's own text, cleaned with sanitize.clean_html.
    narrative_html: Mapped[str] = mapped_column(default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship()

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def is_public(self) -> bool:
        return self.status == PUBLISHED and self.visibility == PUBLIC


class SummaryGroup(db.Model):
    """The contributions behind one figure of a summary, e.g. "zone:Z7" or "keyword:fietspad".
    Ids are stored sorted, delta-encoded and zlib-compressed: 100,000 ids take a few kilobytes."""

    __table_args__ = (UniqueConstraint("summary_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("summary.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(300), default="")
    count: Mapped[int] = mapped_column(default=0)
    ids_blob: Mapped[bytes] = mapped_column(LargeBinary)

    @staticmethod
    def encode(ids) -> bytes:
        values = np.unique(np.asarray(ids, dtype=np.int64))
        deltas = np.diff(values, prepend=0).astype("<u4")
        return zlib.compress(deltas.tobytes(), 6)

    @staticmethod
    def decode(blob: bytes) -> list[int]:
        deltas = np.frombuffer(zlib.decompress(blob), dtype="<u4").astype(np.int64)
        return np.cumsum(deltas).tolist()

    @property
    def ids(self) -> list[int]:
        return self.decode(self.ids_blob)
