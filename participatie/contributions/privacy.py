"""What the contributions domain holds about a person (contributions, replies, votes), for
"Mijn gegevens", account deletion and retention; registered with accounts.services (see
accounts/privacy.py for how anonymous votes are kept)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from ..accounts import privacy
from ..accounts.models import User
from ..accounts.services import PersonalData, register_personal_data
from ..extensions import db
from ..rounds.models import VOTES_KEEP_ANONYMOUS, Round
from .models import Contribution, Reply, Vote


def _contribution_rows(user: User) -> list[dict]:
    query = (select(Contribution, Round.title).join(Round, Round.id == Contribution.round_id)
             .where(Contribution.author_id == user.id).order_by(Contribution.created_at, Contribution.id))
    return [{"id": c.id, "round": title, "theme": c.theme, "text": c.text, "place": c.place_label,
             "geometry": c.geometry, "status": c.status, "has_photo": c.has_photo, "created_at": c.created_at,
             "updated_at": c.updated_at} for c, title in db.session.execute(query)]


def _reply_rows(user: User) -> list[dict]:
    query = (select(Reply, Contribution.round_id, Round.title).join(Contribution, Contribution.id == Reply.contribution_id)
             .join(Round, Round.id == Contribution.round_id)
             .where(Reply.author_id == user.id).order_by(Reply.created_at, Reply.id))
    return [{"id": r.id, "round": title, "contribution_id": r.contribution_id, "text": r.text, "status": r.status,
             "created_at": r.created_at} for r, _round_id, title in db.session.execute(query)]


def _vote_rows(user: User) -> list[dict]:
    query = (select(Vote, Round.title).join(Round, Round.id == Vote.round_id)
             .where(Vote.user_id == user.id).order_by(Vote.created_at, Vote.id))
    return [{"round": title, "contribution_id": v.contribution_id, "zone": v.zone_key, "value": v.value,
             "created_at": v.created_at} for v, title in db.session.execute(query)]


def _erase(user: User, keep_contributions: bool) -> dict:
    """Before the account goes: contributions and replies deleted or kept without a name; votes kept
    (moved to one new placeholder) in rounds whose policy says so, else deleted."""
    mine = select(Contribution.id).where(Contribution.author_id == user.id)
    if keep_contributions:
        contributions = db.session.execute(
            update(Contribution).where(Contribution.author_id == user.id).values(author_id=None)
            .execution_options(synchronize_session=False)).rowcount
        replies = db.session.execute(
            update(Reply).where(Reply.author_id == user.id).values(author_id=None)
            .execution_options(synchronize_session=False)).rowcount
    else:
        # Replies of others under the person's contributions go with them (ON DELETE CASCADE).
        replies = db.session.execute(delete(Reply).where(Reply.author_id == user.id)
                                     .execution_options(synchronize_session=False)).rowcount
        contributions = db.session.execute(delete(Contribution).where(Contribution.id.in_(mine))
                                           .execution_options(synchronize_session=False)).rowcount
    keeping = select(Round.id).where(Round.votes_on_account_deletion == VOTES_KEEP_ANONYMOUS)
    kept_ids = list(db.session.scalars(select(Vote.id).where(Vote.user_id == user.id, Vote.round_id.in_(keeping))))
    if kept_ids:
        placeholder = privacy.make_placeholder()
        db.session.execute(update(Vote).where(Vote.id.in_(kept_ids)).values(user_id=placeholder.id)
                           .execution_options(synchronize_session=False))
    removed = db.session.execute(delete(Vote).where(Vote.user_id == user.id)
                                 .execution_options(synchronize_session=False)).rowcount
    return {"contributions": contributions or 0, "replies": replies or 0, "votes_kept": len(kept_ids),
            "votes_removed": removed or 0}


def _purge_round(round_: Round) -> int:
    """Retention: no author, no contact details of paper input, no original (unredacted) text, no staff
    member who entered it; replies without author; votes moved to placeholders. Idempotent."""
    in_round = Contribution.round_id == round_.id
    personal = [Contribution.author_id.is_not(None)]
    values = {"author_id": None}
    for column in ("contact_name", "contact_details", "original_text", "entered_by_id"):
        if hasattr(Contribution, column):  # moderation's columns for paper input and redaction
            personal.append(getattr(Contribution, column).is_not(None))
            values[column] = None
    changed = db.session.execute(update(Contribution).where(in_round, or_(*personal)).values(**values)
                                 .execution_options(synchronize_session=False)).rowcount or 0
    reply_values = {"author_id": None}
    reply_personal = [Reply.author_id.is_not(None)]
    if hasattr(Reply, "original_text"):
        reply_values["original_text"] = None
        reply_personal.append(Reply.original_text.is_not(None))
    changed += db.session.execute(
        update(Reply).where(Reply.contribution_id.in_(select(Contribution.id).where(in_round)), or_(*reply_personal))
        .values(**reply_values).execution_options(synchronize_session=False)).rowcount or 0
    placeholder_ids = select(User.id).where(User.placeholder.is_(True))
    voters = list(db.session.scalars(select(Vote.user_id).distinct().where(
        Vote.round_id == round_.id, Vote.user_id.not_in(placeholder_ids))))
    if voters:
        busy = set(db.session.scalars(select(Vote.user_id).distinct().where(
            Vote.round_id == round_.id, Vote.user_id.in_(placeholder_ids))))
        for voter, placeholder_id in zip(voters, privacy.placeholders_for(len(voters), busy)):
            changed += db.session.execute(
                update(Vote).where(Vote.round_id == round_.id, Vote.user_id == voter).values(user_id=placeholder_id)
                .execution_options(synchronize_session=False)).rowcount or 0
    return changed


register_personal_data(PersonalData(
    key="contributions", title=_l("Uw inbreng"), order=10, rows=_contribution_rows, erase=_erase,
    purge_round=_purge_round,
    columns=(("id", _l("Nummer")), ("round", _l("Ronde")), ("theme", _l("Thema")), ("text", _l("Tekst")),
             ("place", _l("Plek")), ("geometry", _l("Plek op de kaart (GeoJSON)")), ("status", _l("Status")),
             ("has_photo", _l("Met foto")), ("created_at", _l("Geplaatst op")),
             ("updated_at", _l("Gewijzigd op"))),
))
register_personal_data(PersonalData(
    key="replies", title=_l("Uw antwoorden"), order=20, rows=_reply_rows,
    columns=(("id", _l("Nummer")), ("round", _l("Ronde")), ("contribution_id", _l("Bij inbreng nummer")),
             ("text", _l("Tekst")), ("status", _l("Status")), ("created_at", _l("Geplaatst op"))),
))
register_personal_data(PersonalData(
    key="votes", title=_l("Uw stemmen"), order=30, rows=_vote_rows,
    columns=(("round", _l("Ronde")), ("contribution_id", _l("Op inbreng nummer")), ("zone", _l("Op zone")),
             ("value", _l("Steun of bezwaar")), ("created_at", _l("Gestemd op"))),
))
