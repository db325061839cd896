"""What notifications hold about a person: what they follow and which mails they want. Registered
with accounts.services for "Mijn gegevens" and retention; the rows go with the account (ON DELETE
CASCADE)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..accounts.models import User
from ..accounts.services import PersonalData, register_personal_data
from ..extensions import db
from ..projects.models import Project
from ..rounds.models import Round
from .models import NotificationDelivery, NotificationEvent, NotificationPreference, Subscription


def _subscription_rows(user: User) -> list[dict]:
    query = (select(Subscription, Project.title, Round.title)
             .outerjoin(Project, Project.id == Subscription.project_id)
             .outerjoin(Round, Round.id == Subscription.round_id)
             .where(Subscription.user_id == user.id).order_by(Subscription.created_at, Subscription.id))
    return [{"project": project or "", "round": round_ or "", "created_at": s.created_at}
            for s, project, round_ in db.session.execute(query)]


def _preference_rows(user: User) -> list[dict]:
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        return []
    return [{"input_moderated": preference.input_moderated, "input_answered": preference.input_answered,
             "round_news": preference.round_news, "updated_at": preference.updated_at}]


def _purge_round(round_: Round) -> int:
    """Retention: the sent-log says who got a mail about the round; processed events keep no names."""
    processed = select(NotificationEvent.id).where(NotificationEvent.round_id == round_.id,
                                                   NotificationEvent.processed_at.is_not(None))
    return db.session.execute(delete(NotificationDelivery).where(NotificationDelivery.event_id.in_(processed))
                              .execution_options(synchronize_session=False)).rowcount or 0


register_personal_data(PersonalData(
    key="subscriptions", title=_l("Wat u volgt"), order=60, rows=_subscription_rows, purge_round=_purge_round,
    columns=(("project", _l("Project")), ("round", _l("Ronde")), ("created_at", _l("Sinds"))),
))
register_personal_data(PersonalData(
    key="notification_preferences", title=_l("Uw keuzes voor e-mails"), order=61, rows=_preference_rows,
    columns=(("input_moderated", _l("Bericht als uw inbreng is verborgen of afgewezen")),
             ("input_answered", _l("Bericht als de provincie op uw inbreng reageert")),
             ("round_news", _l("Nieuws over rondes die u volgt")), ("updated_at", _l("Gewijzigd op"))),
))
