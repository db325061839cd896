"""Flags (meldingen): a person reports that a contribution or reply breaks the rules.

The moderation columns themselves (moderation_reason, original_text, held_reasons, duplicate_of_id,
received_at, contact_*, entered_by_id) live on Contribution and Reply in contributions/models.py.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..extensions import db

# Why a person flags something; the Dutch labels are in moderation/services.py.
FLAG_REASONS = ("insulting", "personal_data", "off_topic", "spam")


class Flag(db.Model):
    """One person's report on one contribution or one reply. One per person per target (unique
    constraints, so two tabs cannot flag twice); resolved when a moderator has decided on the target."""

    __table_args__ = (
        UniqueConstraint("user_id", "contribution_id", name="uq_flag_user_contribution"),
        UniqueConstraint("user_id", "reply_id", name="uq_flag_user_reply"),
        CheckConstraint("(contribution_id IS NULL) <> (reply_id IS NULL)", name="one_target"),
        Index("ix_flag_contribution", "contribution_id", "resolved_at"),
        Index("ix_flag_reply", "reply_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"))
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("reply.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
