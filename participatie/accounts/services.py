"""Accounts: creating users, passwords, e-mail confirmation and reset tokens, roles."""
import hashlib
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..mail import send_mail
from ..permissions import Role
from .models import Organisation, User, UserRole, utcnow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A fixed hash to verify against when the account does not exist, so both cases cost the same.
_DUMMY_HASH = _hasher.hash("participatie-dummy-password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check a password in constant work whether or not the user exists."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))


def create_user(
    email: str,
    password: str,
    display_name: str,
    roles=(Role.RESIDENT,),
    confirmed: bool = False,
    organisation: Organisation | None = None,
) -> User:
    """Create and flush a user; the caller commits."""
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        confirmed_at=utcnow() if confirmed else None,
        organisation=organisation,
    )
    user.roles = [UserRole(role=Role(role).value) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


def set_roles(user: User, roles) -> None:
    """Replace the user's roles with exactly `roles`."""
    wanted = {Role(role).value for role in roles}
    user.roles = [r for r in user.roles if r.role in wanted]
    held = {r.role for r in user.roles}
    user.roles.extend(UserRole(role=role) for role in sorted(wanted - held))


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(user: User, purpose: str) -> str:
    """A signed token for one purpose ('confirm' or 'reset'), bound to the user's session version
    so that a reset link stops working once the password has changed."""
    return _serializer(purpose).dumps({"id": user.id, "v": user.session_version})


class TokenError(Exception):
    """A link that is expired, tampered with or no longer valid; `reason` is 'expired' or 'invalid'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def user_from_token(token: str, purpose: str, max_age: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    user = db.session.get(User, data.get("id"))
    if user is None or user.session_version != data.get("v"):
        raise TokenError("invalid")
    return user


def load_user(user_id: str) -> User | None:
    """flask-login loader: the cookie holds 'id.version'; an old version means logged out."""
    user_key, _, version = user_id.partition(".")
    if not user_key.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_key))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


# --- Role labels -------------------------------------------------------------------------------

ROLE_LABELS = {
    Role.RESIDENT: _l("bewoner"),
    Role.STAKEHOLDER: _l("belanghebbende organisatie"),
    Role.FACILITATOR: _l("gespreksleider"),
    Role.MODERATOR: _l("moderator"),
    Role.POLICY_ANALYST: _l("beleidsmedewerker"),
    Role.ADMIN: _l("beheerder"),
}


def role_label(role) -> str:
    """The Dutch (or translated) name of a role, for people to read."""
    return str(ROLE_LABELS[Role(role)])


def role_labels(user: User) -> list[str]:
    """A user's roles as readable labels, lowest role first."""
    return [role_label(role) for role in sorted(user.role_set, key=lambda r: r.rank)]


# --- Registration and e-mail confirmation ---------------------------------------------------------


class EmailTaken(Exception):
    """An account with this e-mail address already exists."""


def register(email: str, password: str, display_name: str, postcode_area: str | None = None) -> User | None:
    """Registration without telling anyone whether the address has an account: a new address gets an
    unconfirmed account and a confirmation mail; a taken address gets nothing stored, and its owner a
    mail that someone tried. Both cost one password hash, so the answers take as long."""
    try:
        user = register_user(email, password, display_name, postcode_area)
    except EmailTaken:
        hash_password(password)  # the work a new account costs, so the timing says nothing
        existing = find_user_by_email(email)
        if existing is not None and not existing.placeholder:
            send_registration_attempt_mail(existing)
        return None
    send_confirmation_mail(user)
    return user


def send_registration_attempt_mail(user: User) -> None:
    """Tell the owner of an address that someone tried to register with it."""
    link = url_for("accounts.reset_request", _external=True)
    body = _(
        "Beste %(name)s,\n\n"
        "Iemand heeft geprobeerd een account te maken op Participatie met uw e-mailadres. "
        "U hebt al een account, dus er is niets veranderd.\n\n"
        "Was u dat zelf en bent u uw wachtwoord vergeten? Vraag dan hier een nieuw wachtwoord aan:\n\n"
        "%(link)s\n\n"
        "Was u het niet? Dan kunt u deze e-mail negeren.\n",
        name=user.display_name, link=link,
    )
    send_mail(user.email, _("Iemand probeerde een account te maken met uw e-mailadres"), body)


def register_user(email: str, password: str, display_name: str, postcode_area: str | None = None) -> User:
    """Create an unconfirmed resident and commit; raises EmailTaken and stores nothing on a duplicate."""
    if find_user_by_email(email) is not None:
        raise EmailTaken(normalise_email(email))
    try:
        user = create_user(email, password, display_name)
        user.postcode_area = (postcode_area or "").strip() or None
        db.session.commit()
    except IntegrityError as exc:  # the same address registered at the same moment by another request
        db.session.rollback()
        raise EmailTaken(normalise_email(email)) from exc
    return user


def _hours(seconds: int) -> int:
    return max(1, round(seconds / 3600))


def send_confirmation_mail(user: User) -> None:
    """Mail a signed link that confirms the user's e-mail address."""
    link = url_for("accounts.confirm", token=make_token(user, "confirm"), _external=True)
    hours = _hours(current_app.config["EMAIL_TOKEN_MAX_AGE"])
    body = _(
        "Beste %(name)s,\n\n"
        "U hebt een account gemaakt op Participatie van de Provincie Utrecht.\n"
        "Klik op deze link om uw e-mailadres te bevestigen:\n\n%(link)s\n\n"
        "De link werkt %(hours)s uur. Hebt u geen account gemaakt? Dan kunt u deze e-mail negeren.\n",
        name=user.display_name, link=link, hours=hours,
    )
    send_mail(user.email, _("Bevestig uw e-mailadres voor Participatie"), body)


def resend_confirmation(email: str) -> None:
    """Send a new confirmation link when an unconfirmed account has this address; otherwise nothing.
    The caller shows the same answer either way, so nobody learns which addresses have accounts."""
    user = find_user_by_email(email)
    if user is not None and user.active and not user.is_confirmed:
        send_confirmation_mail(user)


def confirm_email(token: str) -> User:
    """Mark the address behind a confirmation link as confirmed; raises TokenError."""
    user = user_from_token(token, "confirm", current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if not user.is_confirmed:
        user.confirmed_at = utcnow()
        db.session.commit()
    return user


# --- Logging in -----------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The user when the password matches, else None; costs the same whether the e-mail exists or not.
    After LOGIN_LOCKOUT_AFTER failed attempts on one address within LOGIN_LOCKOUT_MINUTES, even the
    right password gives None until the period is over: the same answer and the same work (the hash
    is still checked) as a wrong password, so a lockout tells nobody that the account exists."""
    user = find_user_by_email(email)
    correct = verify_password(user, password)
    if _locked_out(email):
        return None
    if not correct:
        _count_failure(email)
        return None
    return user


def _lockout():
    """(rate limiter, item) counting failed logins per address, in the rate-limit storage (memory or
    Redis, with expiry), or None when lockout is off. One per app: tests make many apps."""
    after = current_app.config.get("LOGIN_LOCKOUT_AFTER", 0)
    if not after:
        return None
    state = current_app.extensions.get("login_lockout")
    if state is None:
        from limits import RateLimitItemPerMinute
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        storage = storage_from_string(current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
        item = RateLimitItemPerMinute(after, current_app.config.get("LOGIN_LOCKOUT_MINUTES", 15))
        state = current_app.extensions["login_lockout"] = (FixedWindowRateLimiter(storage), item)
    return state


def _lockout_key(email: str) -> str:
    # A hash, so that the rate-limit storage holds no e-mail addresses.
    digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]
    return (current_app.config.get("RATELIMIT_KEY_PREFIX") or "") + "lockout:" + digest


def _locked_out(email: str) -> bool:
    state = _lockout()
    if state is None:
        return False
    limiter, item = state
    try:
        return not limiter.test(item, _lockout_key(email))
    except Exception:  # storage (Redis) away: logging in keeps working, throttling still applies
        current_app.logger.warning("login lockout storage unavailable")
        return False


def _count_failure(email: str) -> None:
    state = _lockout()
    if state is None:
        return
    limiter, item = state
    try:
        limiter.hit(item, _lockout_key(email))
    except Exception:
        current_app.logger.warning("login lockout storage unavailable")


# --- Common passwords -----------------------------------------------------------------------------

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """True when the password (ignoring case and surrounding spaces) is on the shipped list of the
    10,000 most common passwords."""
    return (password or "").strip().lower() in _common_passwords()


# --- Forgotten password ---------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account has this address; otherwise do nothing (same answer)."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    link = url_for("accounts.reset_password", token=make_token(user, "reset"), _external=True)
    minutes = max(1, round(current_app.config["RESET_TOKEN_MAX_AGE"] / 60))
    body = _(
        "Beste %(name)s,\n\n"
        "Iemand heeft gevraagd om een nieuw wachtwoord voor uw account op Participatie.\n"
        "Klik op deze link om een nieuw wachtwoord te kiezen:\n\n%(link)s\n\n"
        "De link werkt %(minutes)s minuten en maar één keer. "
        "Hebt u dit niet gevraagd? Dan kunt u deze e-mail negeren. Uw wachtwoord blijft dan hetzelfde.\n",
        name=user.display_name, link=link, minutes=minutes,
    )
    send_mail(user.email, _("Nieuw wachtwoord voor Participatie"), body)


def check_reset_token(token: str) -> User:
    """The user behind a reset link; raises TokenError when it is expired, tampered or already used."""
    return user_from_token(token, "reset", current_app.config["RESET_TOKEN_MAX_AGE"])


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link. Bumping the session version logs out every
    existing session and makes this link (and any other reset link) unusable."""
    user = check_reset_token(token)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    if not user.is_confirmed:
        # The link arrived by e-mail, so the address is proven as well.
        user.confirmed_at = utcnow()
    db.session.commit()
    return user


# --- Staff: users and organisations -------------------------------------------------------------

USERS_PER_PAGE = 50


def search_users(query: str = "", page: int = 1):
    """A page of users whose e-mail or display name contains `query`, ordered by e-mail."""
    statement = (db.select(User).options(selectinload(User.organisation)).where(User.placeholder.is_(False))
                 .order_by(User.email))
    query = (query or "").strip()
    if query:
        statement = statement.where(
            or_(User.email.icontains(query, autoescape=True), User.display_name.icontains(query, autoescape=True))
        )
    return db.paginate(statement, page=page, per_page=USERS_PER_PAGE, error_out=False)


class SelfLockout(Exception):
    """An admin tried to take away their own admin role or deactivate their own account."""


def update_user(user: User, acting: User, roles, organisation_id: int | None, active: bool) -> None:
    """Change a user's roles, organisation and active flag, and commit. An admin cannot lock
    themselves out: that would leave nobody who can undo it."""
    wanted = {Role(role) for role in roles}
    if user.id == acting.id and Role.ADMIN not in wanted:
        raise SelfLockout(_("U kunt uw eigen rol beheerder niet weghalen."))
    if user.id == acting.id and not active:
        raise SelfLockout(_("U kunt uw eigen account niet uitschakelen."))
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    set_roles(user, wanted)
    user.organisation = organisation
    if user.active and not active:
        # Deactivating also ends the user's open sessions.
        user.session_version += 1
    user.active = active
    db.session.commit()


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(db.select(Organisation).order_by(Organisation.name)))


class OrganisationNameTaken(Exception):
    """Another organisation already has this name."""


def _organisation_name_taken(name: str, except_id: int | None = None) -> bool:
    statement = db.select(Organisation.id).where(func.lower(Organisation.name) == name.strip().lower())
    if except_id is not None:
        statement = statement.where(Organisation.id != except_id)
    return db.session.scalar(statement) is not None


def save_organisation(organisation: Organisation | None, name: str, description: str) -> Organisation:
    """Create (organisation None) or change an organisation and commit; raises OrganisationNameTaken."""
    name = name.strip()
    if _organisation_name_taken(name, organisation.id if organisation else None):
        raise OrganisationNameTaken(name)
    if organisation is None:
        organisation = Organisation(name=name)
        db.session.add(organisation)
    organisation.name = name
    organisation.description = (description or "").strip()
    try:
        db.session.commit()
    except IntegrityError as exc:  # created at the same moment by another request
        db.session.rollback()
        raise OrganisationNameTaken(name) from exc
    return organisation


# --- Personal data: each domain says what it holds about a person ------------------------------------


@dataclass(frozen=True)
class PersonalData:
    """What one domain holds about a person. Domains register one (or more) in their own
    `<domain>/privacy.py`, which `personal_data_providers()` finds; accounts imports none of them.

    - `rows(user)`: the data as a list of dicts of plain values (str, int, float, bool, None), in the
      order of `columns`, a list of (key, label) pairs. Shown on "Mijn gegevens" and downloaded.
    - `erase(user, keep_contributions)`: called before the account is deleted, to delete or anonymise
      what the domain holds (the database's ON DELETE rules do the rest). Returns counts for the log.
    - `purge_round(round_)`: retention: remove the personal data of a closed round; idempotent.
      Returns how many rows it changed.
    """

    key: str
    title: object
    columns: tuple
    rows: Callable
    erase: Callable | None = None
    purge_round: Callable | None = None
    order: int = 50


_PROVIDERS: dict[str, PersonalData] = {}


def register_personal_data(provider: PersonalData) -> PersonalData:
    """Register (or replace) a domain's personal data provider."""
    _PROVIDERS[provider.key] = provider
    return provider


def _discover_providers() -> None:
    """Import `participatie.<domain>.privacy` for every domain package that has one."""
    import participatie

    for module in pkgutil.iter_modules(participatie.__path__):
        if module.ispkg and importlib.util.find_spec(f"participatie.{module.name}.privacy") is not None:
            importlib.import_module(f"participatie.{module.name}.privacy")


def personal_data_providers() -> list[PersonalData]:
    """Every registered provider, in display order."""
    _discover_providers()
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.key))
