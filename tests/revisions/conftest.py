"""Factories for revision tests: a round with a plan layer of four zones (A, B kansrijk, C mogelijk,
D uitgesloten), organisations, a live map-table session, people in every role, and `propose()`."""
from datetime import datetime

import pytest

from participatie.accounts.models import Organisation
from participatie.extensions import db
from participatie.maptable.models import MapTableSession
from participatie.permissions import Role
from participatie.revisions import services
from participatie.rounds import services as rounds
from rounds.conftest import make_round, open_round, project, resident, square  # noqa: F401

CATEGORIES = {"A": "kansrijk", "B": "kansrijk", "C": "mogelijk", "D": "uitgesloten"}


def plan_layer_geojson(categories=None) -> dict:
    categories = categories or CATEGORIES
    return {"type": "FeatureCollection", "features": [
        square(5.05 + i * 0.05, 52.05, 0.04, code=code, naam=f"Zone {code}", categorie=category)
        for i, (code, category) in enumerate(categories.items())
    ]}


@pytest.fixture
def layer(open_round):
    """The plan layer of the open round, version 1 published."""
    layer = rounds.add_layer(open_round, "Kansenkaart")
    rounds.upload_layer_version(layer, plan_layer_geojson())
    db.session.commit()
    return layer


@pytest.fixture
def organisations(app):
    made = {}
    for name in ("LTO Noord", "Staatsbosbeheer", "Niet Uitgenodigd"):
        made[name] = Organisation(name=name)
        db.session.add(made[name])
    db.session.commit()
    return made


@pytest.fixture
def make_session(open_round, organisations):
    """Factory: a map-table session of the open round with LTO Noord and Staatsbosbeheer invited."""
    counter = iter(range(1, 1000))

    def factory(status="live", invited=("LTO Noord", "Staatsbosbeheer"), round_=None):
        n = next(counter)
        session = MapTableSession(round_id=(round_ or open_round).id, title=f"Themasessie natuur {n}", theme="natuur",
                                  starts_at=datetime(2026, 3, 12, 13, 0), code=f"REV{n:04d}", status=status, minutes="")
        session.organisations = [organisations[name] for name in invited]
        db.session.add(session)
        db.session.commit()
        return session

    return factory


@pytest.fixture
def map_session(make_session):
    return make_session()


@pytest.fixture
def facilitator(make_user):
    return make_user(roles=(Role.FACILITATOR,), display_name="Gespreksleider")


@pytest.fixture
def analyst(make_user):
    return make_user(roles=(Role.POLICY_ANALYST,), display_name="Beleidsmedewerker", email="beleid@example.org")


@pytest.fixture
def stakeholder(make_user, organisations):
    return make_user(roles=(Role.STAKEHOLDER,), organisation=organisations["LTO Noord"], display_name="Boer Jan",
                     email="boer.jan@example.org")


@pytest.fixture
def propose(open_round, layer, organisations, facilitator, map_session):
    """Factory: a proposal made by the facilitator in the session, committed."""

    def factory(key="A", to="uitgesloten", reason="weidevogelgebied", organisation="Staatsbosbeheer", user=None,
                session=map_session, **kwargs):
        proposal = services.create_proposal(
            open_round, user or facilitator, layer_id=layer.id, zone_key=key, to_category=to, reason=reason,
            organisation_id=organisations[organisation].id, session_id=session.id if session else None, **kwargs)
        db.session.commit()
        return proposal

    return factory
