"""Factories for map-table tests: organisations, staff and stakeholders, sessions in a round with a
plan layer (zones A, B, C from tests/rounds)."""
from datetime import datetime

import pytest

from participatie.accounts.models import Organisation
from participatie.extensions import db
from participatie.maptable import services
from participatie.permissions import Role
from rounds.conftest import layer, make_round, open_round, project  # noqa: F401

ORGANISATIONS = ("LTO Noord", "Staatsbosbeheer", "Rijksdienst voor het Cultureel Erfgoed", "Het Utrechts Landschap")


@pytest.fixture
def organisations(app):
    """{name: Organisation} for the four organisations of the solar-field story, plus one never invited."""
    made = {}
    for name in ORGANISATIONS + ("Niet Uitgenodigd",):
        organisation = Organisation(name=name)
        db.session.add(organisation)
        made[name] = organisation
    db.session.commit()
    return made


@pytest.fixture
def facilitator(make_user):
    return make_user(roles=(Role.FACILITATOR,), display_name="Gespreksleider")


@pytest.fixture
def make_session(open_round, layer, organisations, facilitator):
    """Factory: a session in the open round, live, with the four organisations invited."""

    def factory(theme="landbouw", status="live", invited=ORGANISATIONS, round_=None, title=None):
        session = services.create_session(
            round_ or open_round, facilitator, title=title or f"Sessie {theme}", theme=theme,
            starts_at=datetime(2026, 3, 12, 14, 0), status=status, facilitator_ids=[facilitator.id],
            organisation_ids=[organisations[n].id for n in invited], minutes="")
        db.session.commit()
        return session

    return factory


@pytest.fixture
def stakeholder(make_user, organisations):
    return make_user(roles=(Role.STAKEHOLDER,), organisation=organisations["LTO Noord"], display_name="Boer Jan")
