"""Accounts: creating users, passwords, e-mail confirmation and reset tokens, roles."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
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
