"""A hand-countable round for summary tests, and helpers.

The round "toets" (area lon 5.0–5.3, lat 52.0–52.2; themes landschap, natuur) has two zones,
A (5.05–5.09, 52.05–52.09) and B (5.10–5.14, 52.05–52.09), and these contributions:

    c1–c6   landschap, web, points within ~60 m of (5.2000, 52.1500), by u1–u6: "fietspaden … rivier"
    c7, c8  natuur, web, points inside zone A, by u7 and u8: "bomen"
    c9      natuur, web, a line from outside zone B that just reaches into it, by u1: "bomen"
    c10     landschap, paper, no place, no account: "fietspaden"
    c11     natuur, inside zone A, HIDDEN by a moderator (never counted)
    c12     natuur, inside zone A, PENDING (never counted)

Replies: u2 and u3 under c1, u9 under c7 (published); u10 under c1 (hidden, not counted).
Votes: c1 support by u7 and u8, objection by u9; c7 support by u7; zone A support by u8; zone B
objection by u9.

So by hand: 10 contributions, 3 replies, 6 votes, 10 participants (u1–u9 and the paper letter),
landschap 7 / natuur 3, web 9 / paper 1, zone A 2 / zone B 1, one hotspot of c1–c6, and the
keywords fietspad (7), rivier (6), boom (3).
"""
from datetime import datetime, timedelta

import pytest

from participatie.accounts.models import User, UserRole
from participatie.contributions.models import Contribution, Reply, Vote
from participatie.extensions import db
from participatie.permissions import Role
from participatie.projects.models import Project
from participatie.rounds import services as rounds
from rounds.conftest import AREA, square

HOTSPOT = (5.2000, 52.1500)
# Most tests need neither the sentence encoder nor matplotlib: the tests of topics and charts (and
# the browser and worker tests) switch them on again.
FAST = {"topics": {"enabled": False}, "charts": {"enabled": False}}
FULL = {"topics": {"enabled": True}, "charts": {"enabled": True}}
TEXTS = {
    1: "Meer fietspaden langs de rivier, graag!",
    2: "De fietspaden langs de rivier zijn te smal.",
    3: "Fietspaden bij de rivier verlichten.",
    4: "Veilige fietspaden langs de rivier voor kinderen.",
    5: "Rivier en fietspaden: maak er een rondje van.",
    6: "Fietspaden langs de rivier onderhouden.",
    7: "Niet de bomen kappen in dit bos.",
    8: "Bomen zijn belangrijk voor vogels.",
    9: "Een rij bomen langs deze weg.",
    10: "Brief: ook in het landschap zijn fietspaden nodig.",
    11: "Verborgen tekst over bomen.",
    12: "Wachtende tekst over bomen.",
}


def point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def add_contribution(round_, author_id, theme, text, geometry=None, kind="point", status="published",
                     channel="web", source="map", created=None, zone_id=None) -> Contribution:
    """Write a contribution directly (the services' own rules are tested elsewhere)."""
    import shapely

    created = created or datetime(2026, 5, 4, 10, 0)
    values = dict(round_id=round_.id, author_id=author_id, theme=theme, text=text, geometry=geometry,
                  geometry_type=kind if geometry else None, place_source=source if geometry else None,
                  status=status, channel=channel, created_at=created, updated_at=created, zone_id=zone_id)
    if geometry:
        values["min_lon"], values["min_lat"], values["max_lon"], values["max_lat"] = \
            shapely.geometry.shape(geometry).bounds
    contribution = Contribution(**values)
    db.session.add(contribution)
    db.session.flush()
    return contribution


def quick_user(email: str) -> User:
    """A resident who never logs in (no slow password hashing)."""
    user = User(email=email, password_hash="!", display_name=email.split("@")[0], confirmed_at=datetime.utcnow())
    user.roles.append(UserRole(role=Role.RESIDENT.value))
    db.session.add(user)
    db.session.flush()
    return user


class Fixture:
    """The hand-countable round with its users and contributions by number (c[1] … c[12])."""

    def __init__(self, round_, users, contributions, zones):
        self.round = round_
        self.users = users
        self.c = contributions
        self.zones = zones

    def ids(self, *numbers) -> list[int]:
        return sorted(self.c[n].id for n in numbers)


def build_toets() -> "Fixture":
    """Write the hand-countable round into the current app's database."""
    project = Project(slug="toetsproject", title="Toetsproject", status="published", area=AREA)
    db.session.add(project)
    db.session.flush()
    now = datetime.utcnow()
    round_ = rounds.create_round(project, slug="toets", title="Toetsronde", starts_at=now - timedelta(days=10),
                                 ends_at=now + timedelta(days=30), themes=["landschap", "natuur"])
    layer = rounds.add_layer(round_, "Zones")
    rounds.upload_layer_version(layer, {"type": "FeatureCollection", "features": [
        square(5.05, 52.05, 0.04, code="A", naam="Zone A", categorie="kansrijk"),
        square(5.10, 52.05, 0.04, code="B", naam="Zone B", categorie="uitgesloten"),
    ]})
    db.session.commit()
    zones = {z.key: z for z in rounds.current_zones(round_)}
    users = {n: quick_user(f"u{n}@example.org") for n in range(1, 11)}
    db.session.commit()
    uid = {n: u.id for n, u in users.items()}
    lon, lat = HOTSPOT
    offsets = [(0, 0), (0.0004, 0), (0, 0.0004), (-0.0004, 0), (0, -0.0004), (0.0003, 0.0003)]
    c = {}
    for n, (dx, dy) in enumerate(offsets, start=1):
        c[n] = add_contribution(round_, uid[n], "landschap", TEXTS[n], point(lon + dx, lat + dy),
                                created=datetime(2026, 5, 4, 8 + n, 0))
    c[7] = add_contribution(round_, uid[7], "natuur", TEXTS[7], point(5.06, 52.06), created=datetime(2026, 5, 5, 9))
    c[8] = add_contribution(round_, uid[8], "natuur", TEXTS[8], point(5.08, 52.08), created=datetime(2026, 5, 5, 23))
    c[9] = add_contribution(round_, uid[1], "natuur", TEXTS[9],
                            {"type": "LineString", "coordinates": [[5.095, 52.07], [5.105, 52.07]]}, kind="line",
                            created=datetime(2026, 5, 6, 12))
    c[10] = add_contribution(round_, None, "landschap", TEXTS[10], None, channel="paper",
                             created=datetime(2026, 5, 6, 13))
    c[11] = add_contribution(round_, uid[10], "natuur", TEXTS[11], point(5.07, 52.07), status="hidden")
    c[12] = add_contribution(round_, uid[10], "natuur", TEXTS[12], point(5.07, 52.075), status="pending")
    for author, contribution, status in ((2, 1, "published"), (3, 1, "published"), (9, 7, "published"),
                                         (10, 1, "hidden")):
        db.session.add(Reply(contribution_id=c[contribution].id, author_id=uid[author], text="Eens.", status=status))
    for voter, contribution, value in ((7, 1, "support"), (8, 1, "support"), (9, 1, "objection"), (7, 7, "support")):
        db.session.add(Vote(round_id=round_.id, user_id=uid[voter], contribution_id=c[contribution].id, value=value))
    db.session.add(Vote(round_id=round_.id, user_id=uid[8], layer_id=layer.id, zone_key="A", value="support"))
    db.session.add(Vote(round_id=round_.id, user_id=uid[9], layer_id=layer.id, zone_key="B", value="objection"))
    db.session.commit()
    return Fixture(round_, users, c, zones)


@pytest.fixture
def toets(app):
    return build_toets()


@pytest.fixture
def toets_factory():
    """For tests with their own app: call inside its app context."""
    return build_toets


@pytest.fixture
def analyst(make_user):
    return make_user(email="beleid@example.org", roles=(Role.POLICY_ANALYST,))


@pytest.fixture
def app(make_app):
    """In-process jobs without the worker thread (also when REDIS_URL is set, as in CI): the tests
    run queued jobs with jobs.run_pending(), so nothing happens behind their back."""
    app = make_app(JOBS_WORKER_THREAD=False, REDIS_URL=None, JOBS_RETRY_INTERVALS=[0], SUMMARY_PARAMETERS=FAST)
    with app.app_context():
        yield app
