"""Fixtures for responses and "Mijn inbreng": the round factories of tests/rounds, staff, and
contributions written directly (the contribution services' own rules are tested elsewhere)."""
import pytest

from participatie.contributions.models import Contribution, Reply
from participatie.extensions import db
from participatie.permissions import Role
from rounds.conftest import (  # noqa: F401
    INSIDE,
    layer,
    make_round,
    moderator,
    open_round,
    project,
    resident,
)


@pytest.fixture
def app(make_app):
    """Jobs in-process without the worker thread: tests run queued jobs with jobs.run_pending()."""
    app = make_app(JOBS_WORKER_THREAD=False, REDIS_URL=None, JOBS_RETRY_INTERVALS=[0])
    with app.app_context():
        yield app


@pytest.fixture
def analyst(make_user):
    return make_user(roles=(Role.POLICY_ANALYST,))


@pytest.fixture
def add_contribution():
    """Factory: a contribution in a round, written directly."""

    def factory(round_, author, text="Hier graag geen zonneveld.", status="published", zone=None,
                reason="", theme="landschap"):
        lon, lat = INSIDE["coordinates"]
        contribution = Contribution(
            round_id=round_.id, author_id=author.id if author else None, theme=theme, text=text, status=status,
            channel="web", geometry=INSIDE, geometry_type="point", place_source="map",
            min_lon=lon, max_lon=lon, min_lat=lat, max_lat=lat, zone_id=zone.id if zone else None,
            place_label="Utrecht")
        if reason:
            contribution.moderation_reason = reason
        db.session.add(contribution)
        db.session.commit()
        return contribution

    return factory


@pytest.fixture
def add_reply():
    def factory(contribution, author, text="Eens!", status="published", reason=""):
        reply = Reply(contribution_id=contribution.id, author_id=author.id, text=text, status=status)
        if reason:
            reply.moderation_reason = reason
        db.session.add(reply)
        db.session.commit()
        return reply

    return factory
