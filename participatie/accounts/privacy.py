"""Privacy (AVG): a person's own data ("Mijn gegevens": see, download, correct, delete), the privacy
statement of a round and who has read it, and retention (purging a closed round's personal data).

What each domain holds about a person comes from the providers registered with
`accounts.services.register_personal_data` (see `<domain>/privacy.py`); this module adds the account's
own part and puts them together.

Votes kept anonymously. `Vote.user_id` is NOT NULL and (user, target) is unique, and summaries count
distinct voters. So an anonymous vote is moved to a *placeholder user*: a User row with `placeholder`
set, no person's e-mail (`anoniem-<random>@deelnemer.invalid`), no usable password ("!" is no argon2
hash), inactive, no roles. It is never shown to admins (user list) and cannot log in.
- Account deletion: one new placeholder per deletion takes the votes the round's policy keeps; the
  person's votes never collide with each other, so the unique constraints hold.
- Retention: each voter of the purged round gets a placeholder that has no vote in that round yet,
  assigned in random order (placeholders are reused across rounds, so their number stays at the
  largest number of voters of one round; random order means no link between rounds).
Counts and distinct-voter figures stay the same; nothing links the vote to the person any more.
"""
import csv
import io
import json
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..rounds.errors import Refused, ValidationError
from ..rounds.models import VOTES_KEEP_ANONYMOUS, Round
from . import services
from .models import PrivacyAcknowledgement, User, utcnow

POSTCODE_AREA_PURPOSE = _l("Zo zien beleidsmedewerkers uit welke gebieden mensen meedoen.")


# --- the privacy statement of a round ---------------------------------------------------------------


@dataclass
class PrivacyStatement:
    controller: str
    purpose: str
    legal_basis: str
    retention: str
    contact: str
    votes: str


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus a number of months (negative: minus), the day clamped to the month's end."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31,
            30, 31, 30, 31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days))


def retention_months() -> int:
    return int(current_app.config.get("RETENTION_MONTHS", 12))


def statement(round_: Round) -> PrivacyStatement:
    """The round's privacy statement; what the round leaves empty comes from a default text."""
    config = current_app.config
    months = retention_months()
    purpose = round_.privacy_purpose.strip() or _(
        "De provincie gebruikt uw inbreng om het plan „%(project)s” beter te maken. Uw inbreng telt mee in "
        "het verslag van de ronde „%(round)s”. Beleidsmedewerkers zien uit welke gebieden mensen meedoen, "
        "als u uw postcodegebied hebt ingevuld.", project=round_.project.title, round=round_.title)
    legal_basis = round_.privacy_legal_basis.strip() or _(
        "Een taak van algemeen belang: de provincie laat inwoners meepraten over haar plannen "
        "(AVG artikel 6, lid 1, onder e).")
    retention = _(
        "We bewaren uw naam bij uw inbreng, antwoorden en stemmen tot %(months)s maanden na het sluiten "
        "van de ronde. Dan halen we uw naam weg. Wat blijft, is anoniem. Uw account kunt u zelf "
        "verwijderen op de pagina „Mijn gegevens”.", months=months)
    contact = round_.privacy_contact.strip() or config.get("PRIVACY_CONTACT", "")
    if round_.votes_on_account_deletion == VOTES_KEEP_ANONYMOUS:
        votes = _("Verwijdert u uw account, dan blijven uw stemmen in deze ronde meetellen, zonder uw naam.")
    else:
        votes = _("Verwijdert u uw account, dan halen we uw stemmen in deze ronde weg. Ze tellen dan niet meer mee.")
    return PrivacyStatement(controller=config.get("PRIVACY_CONTROLLER", ""), purpose=purpose,
                            legal_basis=legal_basis, retention=retention, contact=contact, votes=votes)


def has_acknowledged(user, round_: Round) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.get(PrivacyAcknowledgement, (user.id, round_.id)) is not None


def acknowledgement_required() -> bool:
    """PRIVACY_ACKNOWLEDGEMENT_REQUIRED (on by default; the test suite turns it off except in the
    tests of this feature, as it does with rate limits)."""
    return bool(current_app.config.get("PRIVACY_ACKNOWLEDGEMENT_REQUIRED", True))


def needs_acknowledgement(user, round_: Round) -> bool:
    """True when the person must still tick "gelezen" before their first contribution in the round."""
    return (acknowledgement_required() and getattr(user, "is_authenticated", False)
            and not has_acknowledged(user, round_))


def acknowledge(user: User, round_: Round) -> None:
    """Remember that the person has read the round's privacy statement; the caller commits. Safe when
    the same form arrives twice at once: the second insert is dropped in its own savepoint."""
    if has_acknowledged(user, round_):
        return
    try:
        with db.session.begin_nested():
            db.session.add(PrivacyAcknowledgement(user_id=user.id, round_id=round_.id, acknowledged_at=utcnow()))
    except IntegrityError:
        pass  # another request remembered it a moment ago


def check_acknowledgement(round_: Round, user: User, field) -> bool:
    """For the contribution form: True when the person has read the statement before or ticks the box
    now (then it is remembered); otherwise the field gets an error and the answer is False."""
    if not needs_acknowledgement(user, round_):
        return True
    if field.data:
        acknowledge(user, round_)
        return True
    field.errors = list(field.errors) + [
        _("Lees eerst wat er met uw inbreng en gegevens gebeurt, en vink dan aan dat u het hebt gelezen.")]
    return False


# --- the account's own part -------------------------------------------------------------------------


def _account_rows(user: User) -> list[dict]:
    return [{
        "email": user.email,
        "display_name": user.display_name,
        "postcode_area": user.postcode_area or "",
        "roles": ", ".join(services.role_labels(user)),
        "organisation": user.organisation.name if user.organisation else "",
        "created_at": user.created_at,
        "confirmed_at": user.confirmed_at,
    }]


def _acknowledgement_rows(user: User) -> list[dict]:
    query = (select(PrivacyAcknowledgement.acknowledged_at, Round.title, Round.slug)
             .join(Round, Round.id == PrivacyAcknowledgement.round_id)
             .where(PrivacyAcknowledgement.user_id == user.id).order_by(PrivacyAcknowledgement.acknowledged_at))
    return [{"round": title, "round_slug": slug, "acknowledged_at": at} for at, title, slug in db.session.execute(query)]


def _purge_acknowledgements(round_: Round) -> int:
    return db.session.execute(
        delete(PrivacyAcknowledgement).where(PrivacyAcknowledgement.round_id == round_.id)).rowcount or 0


services.register_personal_data(services.PersonalData(
    key="account", title=_l("Account"), order=0, rows=_account_rows,
    columns=(("email", _l("E-mailadres")), ("display_name", _l("Naam die anderen zien")),
             ("postcode_area", _l("Postcodegebied")), ("roles", _l("Rollen")),
             ("organisation", _l("Organisatie")), ("created_at", _l("Account gemaakt op")),
             ("confirmed_at", _l("E-mailadres bevestigd op"))),
))
services.register_personal_data(services.PersonalData(
    key="privacy_acknowledgements", title=_l("Privacyverklaringen die u hebt gelezen"), order=90,
    rows=_acknowledgement_rows, purge_round=_purge_acknowledgements,
    columns=(("round", _l("Ronde")), ("acknowledged_at", _l("Gelezen op"))),
))


# --- everything together: see and download -----------------------------------------------------------


@dataclass
class Section:
    key: str
    title: str
    columns: tuple
    rows: list


def collect(user: User) -> list[Section]:
    """All data held about `user`, one section per provider (empty sections included)."""
    return [Section(p.key, str(p.title), tuple((k, str(label)) for k, label in p.columns), p.rows(user))
            for p in services.personal_data_providers()]


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def display_value(value) -> str:
    """A value as text for the page and the CSV: dates in ISO form, places (GeoJSON) as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(_plain(value))


def export_json(user: User) -> str:
    """All data about `user` as JSON: {"exported_at", "sections": {key: [rows]}}."""
    data = {"exported_at": utcnow().isoformat(), "sections": {
        s.key: [{k: _plain(row.get(k)) for k, _label in s.columns} for row in s.rows] for s in collect(user)}}
    return json.dumps(data, ensure_ascii=False, indent=2)


def _csv_cell(value) -> str:
    """A CSV cell that a spreadsheet never runs as a formula."""
    text = display_value(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(user: User) -> str:
    """All data about `user` as one CSV table: section, row number, field, value (UTF-8 with BOM for
    spreadsheets)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("onderdeel"), _("nummer"), _("veld"), _("waarde")])
    for section in collect(user):
        for number, row in enumerate(section.rows, start=1):
            for key, label in section.columns:
                writer.writerow([section.title, number, label, _csv_cell(row.get(key))])
    return out.getvalue()


# --- correct ----------------------------------------------------------------------------------------


def update_details(user: User, display_name: str, postcode_area: str | None) -> None:
    """Correct the name others see and the postcode area (4 digits or empty); the caller commits."""
    errors = {}
    name = (display_name or "").strip()
    if not 2 <= len(name) <= 80:
        errors["display_name"] = _("De naam moet tussen 2 en 80 tekens lang zijn.")
    area = (postcode_area or "").strip()
    if area and not (len(area) == 4 and area.isascii() and area.isdigit() and area[0] != "0"):
        errors["postcode_area"] = _("Vul de 4 cijfers van uw postcode in, zoals 3511, of laat het leeg.")
    if errors:
        raise ValidationError(errors)
    user.display_name = name
    user.postcode_area = area or None


# --- placeholders for anonymous votes ---------------------------------------------------------------


def make_placeholder() -> User:
    """A new placeholder user (see the module's docstring); flushed, not committed."""
    user = User(email=f"anoniem-{secrets.token_hex(12)}@deelnemer.invalid", password_hash="!",
                display_name="een deelnemer", active=False, placeholder=True, confirmed_at=None)
    user.roles = []
    db.session.add(user)
    db.session.flush()
    return user


def placeholders_for(count: int, busy: set[int]) -> list[int]:
    """`count` placeholder ids not in `busy` (reusing existing ones, making the rest), in random order."""
    if count <= 0:
        return []
    free = [pid for pid in db.session.scalars(select(User.id).where(User.placeholder.is_(True)).order_by(User.id))
            if pid not in busy]
    chosen = free[:count]
    while len(chosen) < count:
        chosen.append(make_placeholder().id)
    random.SystemRandom().shuffle(chosen)
    return chosen


# --- delete the account ----------------------------------------------------------------------------


def delete_account(user: User, password: str, keep_contributions: bool) -> dict:
    """Delete the person's account after checking their password. Every domain first deletes or
    anonymises what it holds (`keep_contributions`: contributions and replies stay without a name;
    votes as each round's policy says). Logged in the audit log without the e-mail address. Commits."""
    from ..audit import services as audit

    if not services.verify_password(user, password):
        raise Refused(_("Het wachtwoord klopt niet. Uw account is niet verwijderd."), code="password")
    if services.Role.ADMIN in user.role_set:
        admins = db.session.scalar(select(func.count()).select_from(services.UserRole)
                                   .where(services.UserRole.role == services.Role.ADMIN.value))
        if admins <= 1:
            raise Refused(_("U bent de enige beheerder. Geef eerst iemand anders de rol beheerder."),
                          code="last_admin")
    user_id = user.id
    counts = {}
    for provider in services.personal_data_providers():
        if provider.erase is not None:
            counts.update(provider.erase(user, keep_contributions) or {})
    audit.record("account.deleted", None, object_type="user", object_id=user_id,
                 choice="anonymise" if keep_contributions else "delete", **counts)
    db.session.delete(user)
    db.session.commit()
    return counts


# --- retention ---------------------------------------------------------------------------------------


def purge_round(round_: Round) -> int:
    """Remove the personal data of one round (every provider's part); idempotent. Returns the number
    of rows changed. The caller commits."""
    changed = 0
    for provider in services.personal_data_providers():
        if provider.purge_round is not None:
            changed += provider.purge_round(round_) or 0
    return changed


def purge_expired(now: datetime | None = None) -> dict:
    """The retention job's work: purge every round that closed more than RETENTION_MONTHS ago, and
    delete audit entries older than AUDIT_RETENTION_MONTHS. Idempotent; commits. Returns what it did."""
    from ..audit import services as audit
    from ..audit.models import AuditEntry

    now = now or utcnow()
    cutoff = add_months(now, -retention_months())
    purged = {}
    for round_ in db.session.scalars(select(Round).where(Round.ends_at < cutoff).order_by(Round.id)):
        changed = purge_round(round_)
        if changed:
            purged[round_.slug] = changed
            audit.record("privacy.round_purged", None, object_type="round", object_id=round_.id,
                         round_id=round_.id, rows=changed)
    audit_cutoff = add_months(now, -int(current_app.config.get("AUDIT_RETENTION_MONTHS", 84)))
    removed = db.session.execute(delete(AuditEntry).where(AuditEntry.created_at < audit_cutoff)).rowcount or 0
    if removed:
        audit.record("privacy.audit_purged", None, object_type="audit", rows=removed,
                     before=audit_cutoff.isoformat(timespec="seconds"))
    db.session.commit()
    return {"rounds": purged, "audit_entries": removed}
