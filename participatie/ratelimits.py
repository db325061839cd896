"""Rate limits on taking part (contributing, replying, voting, flagging, registering), with the
limits read from each app's configuration. Logged-in actions count per person, not per address, so
that many residents behind one address (a library, a town hall) are not blocked together; counters
live in memory or Redis with expiry only (RATELIMIT_STORAGE_URI), never in the database."""
from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from .extensions import limiter


def _person_key() -> str:
    if current_user.is_authenticated:
        return f"person:{current_user.id}"
    return "address:" + (get_remote_address() or "")


def _address_key() -> str:
    return "address:" + (get_remote_address() or "")


def per_person(config_key: str):
    """A decorator: POSTs to the view at most `config[config_key]` (e.g. "20 per hour") per person."""
    return limiter.limit(lambda: current_app.config[config_key], key_func=_person_key, methods=["POST"],
                         scope=config_key.lower())


def per_address(config_key: str):
    """A decorator: POSTs to the view at most `config[config_key]` per client address."""
    return limiter.limit(lambda: current_app.config[config_key], key_func=_address_key, methods=["POST"],
                         scope=config_key.lower())
