"""Who wants which mails (subscriptions and preferences), what happened that may be worth a mail
(events, the outbox), and which person got a mail about which event (deliveries, the sent-log).

Both the event key and (event, person) are unique: however many workers run the same check or the
same job at the same moment, one thing that happened is one event, and one person gets one mail
about it."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..extensions import db

# Event kinds.
MODERATED = "moderated"  # the author's contribution or reply was hidden or rejected
RESPONSE = "response"  # the province published a response (authors and subscribers)
SUMMARY = "summary"  # a public summary of a round was published (subscribers)
ROUND_OPENED = "round_opened"
ROUND_CLOSED = "round_closed"
KINDS = (MODERATED, RESPONSE, SUMMARY, ROUND_OPENED, ROUND_CLOSED)

# Delivery states: claimed before sending (so that nobody sends it a second time), then sent; or
# skipped when the person does not want this kind of mail or cannot get it.
SENDING = "sending"
SENT = "sent"
SKIPPED = "skipped"


class Subscription(db.Model):
    """A person follows a project (all its rounds) or one round."""

    __table_args__ = (
        UniqueConstraint("user_id", "project_id", name="uq_subscription_user_project"),
        UniqueConstraint("user_id", "round_id", name="uq_subscription_user_round"),
        CheckConstraint("(project_id IS NULL) <> (round_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationPreference(db.Model):
    """What a person wants to get; without a row, everything is on (round news only reaches people
    who subscribed themselves)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    input_moderated: Mapped[bool] = mapped_column(default=True)
    input_answered: Mapped[bool] = mapped_column(default=True)
    round_news: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationEvent(db.Model):
    """Something that happened and may be worth a mail: written in the same transaction as the
    change itself, delivered afterwards by a job."""

    __table_args__ = (Index("ix_notification_event_pending", "processed_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: e.g. "round_opened:12:202611240900" or "response:7"; one event per thing that happened.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    # What it is about: "contribution", "reply", "response" or "summary", and its id.
    object_type: Mapped[str] = mapped_column(String(20), default="")
    object_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(default="")
    # The site's address when the event happened in a request, for links in the mail.
    base_url: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class NotificationDelivery(db.Model):
    """The sent-log: one row per event and person, claimed before the mail goes out."""

    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_notification_delivery_event_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("notification_event.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=SENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
