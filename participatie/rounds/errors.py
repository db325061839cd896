"""Errors that round and contribution services raise, shaped for thin views.

A view catches `ServiceError`, shows `errors` next to the form fields (or `message` on top), keeps
what was typed, and answers with `status` (400 for bad input, 403 for a refusal, 404, 409).
Messages are lazy Dutch strings, translated when rendered.
"""
from flask_babel import lazy_gettext as _l


class ServiceError(Exception):
    status = 400

    def __init__(self, errors: dict | None = None, message=None):
        self.errors = dict(errors or {})
        self.message = message if message is not None else (next(iter(self.errors.values())) if self.errors else "")
        super().__init__(self.errors or message)

    def __str__(self) -> str:
        if self.errors:
            return "; ".join(f"{field}: {msg}" for field, msg in self.errors.items())
        return str(self.message)


class ValidationError(ServiceError):
    """Input that cannot be accepted: `errors` maps form field name → message."""

    status = 400


class Refused(ServiceError):
    """The action is not allowed now or for this person (closed round, votes off, not the author)."""

    status = 403

    def __init__(self, message, code: str = "refused"):
        super().__init__(message=message)
        self.code = code


class NotFound(ServiceError):
    status = 404

    def __init__(self, message=None):
        super().__init__(message=message if message is not None else _l("Dit bestaat niet (meer)."))
