"""Factories for round and contribution tests: a project with an area, open and closed rounds,
a layer with zones. tests/contributions/conftest.py re-uses them."""
from datetime import datetime, timedelta, timezone

import pytest

from participatie.extensions import db
from participatie.permissions import Role
from participatie.projects.models import Project
from participatie.rounds import geo
from participatie.rounds import services as rounds

# A small area around the city of Utrecht (lon 5.0–5.3, lat 52.0–52.2), inside the province outline.
AREA = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.3, 52.0], [5.3, 52.2], [5.0, 52.2], [5.0, 52.0]]]}
INSIDE = {"type": "Point", "coordinates": [5.12, 52.09]}


def square(lon: float, lat: float, size: float = 0.01, **properties) -> dict:
    """A Feature with a square polygon whose south-west corner is (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def zones_layer(codes=("A", "B", "C"), category="kansrijk") -> dict:
    """Side-by-side square zones in the test area, each with code, naam and categorie."""
    return {"type": "FeatureCollection", "features": [
        square(5.05 + i * 0.05, 52.05, 0.04, code=code, naam=f"Zone {code}", categorie=category)
        for i, code in enumerate(codes)
    ]}


def utc(**delta) -> datetime:
    """Now (aware UTC) shifted by a timedelta's keyword arguments."""
    return datetime.now(timezone.utc) + timedelta(**delta)


@pytest.fixture
def project(app):
    project = Project(slug="testproject", title="Testproject", status="published", area=AREA)
    db.session.add(project)
    db.session.commit()
    return project


@pytest.fixture
def make_round(project):
    """Factory: a round in the test project, open now unless told otherwise."""
    counter = iter(range(1, 1000))

    def factory(starts=None, ends=None, **values):
        n = next(counter)
        values.setdefault("slug", f"ronde-{n}")
        values.setdefault("title", f"Ronde {n}")
        round_ = rounds.create_round(
            values.pop("project", project),
            starts_at=starts or utc(days=-1), ends_at=ends or utc(days=30), **values)
        db.session.commit()
        return round_

    return factory


@pytest.fixture
def open_round(make_round):
    return make_round()


@pytest.fixture
def layer(open_round):
    """A layer with three zones (A, B, C) in version 1."""
    layer = rounds.add_layer(open_round, "Kansenkaart")
    rounds.upload_layer_version(layer, zones_layer())
    db.session.commit()
    return layer


@pytest.fixture
def resident(make_user):
    return make_user()


@pytest.fixture
def moderator(make_user):
    return make_user(roles=(Role.MODERATOR,))


def outline_shape():
    return geo.area_shape(geo.utrecht_outline())
