"""Roles, plain permission checks, and the one decorator by which every view declares who may use it.

Roles are cumulative, as in the design's role table: each role may do what the roles before it may.
A view without a declaration is refused for everyone (see `enforce_declared_access`).
"""
import enum
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user


class Role(str, enum.Enum):
    RESIDENT = "resident"
    STAKEHOLDER = "stakeholder"
    FACILITATOR = "facilitator"
    MODERATOR = "moderator"
    POLICY_ANALYST = "policy_analyst"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


PUBLIC = "public"
STAFF_ROLES = (Role.FACILITATOR, Role.MODERATOR, Role.POLICY_ANALYST, Role.ADMIN)


def has_role(user, role: Role) -> bool:
    """True when the user holds `role` or a role ranked above it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(held.rank >= role.rank for held in user.role_set)


def is_staff(user) -> bool:
    return has_role(user, Role.FACILITATOR)


def allow(who):
    """Declare who may use a view: `PUBLIC` or the lowest `Role` that may."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        wrapped.access = who
        return wrapped

    return decorate


def access_of(endpoint: str):
    """The declared access of an endpoint, or None when it declares none."""
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def enforce_declared_access():
    """before_request hook: refuse undeclared views, send visitors to login, refuse other roles."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    who = access_of(request.endpoint)
    if who is None:
        abort(403)
    if who == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        abort(401)
    if not has_role(current_user, who):
        abort(403)
    return None
