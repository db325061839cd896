"""Users, their roles and stakeholder organisations."""
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..permissions import Role


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["User"]] = relationship(back_populates="organisation")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    confirmed_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change and "log out everywhere": older session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    # Optional, asked with its purpose: the 4 digits of a Dutch postcode, so that policy teams see from
    # which areas people take part. Never the full postcode.
    postcode_area: Mapped[str | None] = mapped_column(String(4))
    # A stand-in that holds votes kept anonymously after an account was deleted or a round's personal
    # data was purged (see accounts.privacy): no e-mail of a person, no password, never logs in.
    placeholder: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def role_set(self) -> set[Role]:
        return {Role(r.role) for r in self.roles}

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"


class UserRole(db.Model):
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="roles")


class PrivacyAcknowledgement(db.Model):
    """A person has read a round's privacy statement (asked once, before their first contribution)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), primary_key=True, index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)
