"""Projects, their phases (the status timeline), documents and the search index."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db

DRAFT = "draft"
PUBLISHED = "published"


class Project(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(default="")
    # Staff rich text, cleaned by sanitize.clean_html() when saved.
    description_html: Mapped[str] = mapped_column(default="")
    # GeoJSON geometry (WGS84) of the plan area, or None.
    area: Mapped[dict | None] = mapped_column(JSON)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phases: Mapped[list["Phase"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Phase.starts_on"
    )
    documents: Mapped[list["Document"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Document.created_at"
    )

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED


class Phase(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]

    project: Mapped[Project] = relationship(back_populates="phases")


class Document(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(default="")
    # The uploaded name, for display and download only; never used as a path.
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(default="", deferred=True)
    # Why no text could be extracted (a code shown as a notice), or None when extraction worked.
    extract_notice: Mapped[str | None] = mapped_column(String(40))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="documents")
    file: Mapped["DocumentFile"] = relationship(cascade="all, delete-orphan", uselist=False)


class DocumentFile(db.Model):
    """The bytes of a document, apart so that lists of documents never load them."""

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SearchEntry(db.Model):
    """One searchable thing. SQLite indexes it in FTS5 (search_fts), PostgreSQL with a GIN index."""

    __table_args__ = (UniqueConstraint("kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(default="")
