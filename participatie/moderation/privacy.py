"""What moderation holds about a person: the flags (meldingen) they made. Registered with
accounts.services for "Mijn gegevens" and retention; flags go with the account (ON DELETE CASCADE)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from ..accounts.models import User
from ..accounts.services import PersonalData, register_personal_data
from ..contributions.models import Contribution, Reply
from ..extensions import db
from ..rounds.models import Round
from .models import Flag


def _flag_rows(user: User) -> list[dict]:
    query = select(Flag).where(Flag.user_id == user.id).order_by(Flag.created_at, Flag.id)
    return [{"contribution_id": f.contribution_id, "reply_id": f.reply_id, "reason": f.reason, "note": f.note,
             "created_at": f.created_at, "resolved_at": f.resolved_at} for f in db.session.scalars(query)]


def _purge_round(round_: Round) -> int:
    """Retention: the flags on a closed round's input name who flagged; the decisions stay (on the
    input and in the audit log), the flags go."""
    in_round = select(Contribution.id).where(Contribution.round_id == round_.id)
    replies = select(Reply.id).where(Reply.contribution_id.in_(in_round))
    return db.session.execute(delete(Flag).where(or_(Flag.contribution_id.in_(in_round), Flag.reply_id.in_(replies)))
                              .execution_options(synchronize_session=False)).rowcount or 0


register_personal_data(PersonalData(
    key="flags", title=_l("Uw meldingen"), order=40, rows=_flag_rows, purge_round=_purge_round,
    columns=(("contribution_id", _l("Over inbreng nummer")), ("reply_id", _l("Over antwoord nummer")),
             ("reason", _l("Reden")), ("note", _l("Toelichting")), ("created_at", _l("Gemeld op")),
             ("resolved_at", _l("Afgehandeld op"))),
))
