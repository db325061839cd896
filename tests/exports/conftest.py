"""A small round with everything an export must handle: three layer versions (one withdrawn), every
status, a stakeholder organisation, input by phone and on paper (one without a place), votes,
replies, a text that looks like a spreadsheet formula, and Dutch characters. tests/api re-uses it."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from participatie.accounts.models import Organisation, User, UserRole, utcnow
from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN, PENDING, PUBLISHED, REJECTED, Contribution
from participatie.extensions import db
from participatie.permissions import Role
from participatie.projects.models import Project
from participatie.rounds import services as rounds

AREA = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.3, 52.0], [5.3, 52.2], [5.0, 52.2], [5.0, 52.0]]]}
FORMULA_TEXT = '=HYPERLINK("http://example.invalid","klik")'
DUTCH_TEXT = "Ik maak me zorgen over de weidevogels bij 't Gooi: grutto's, kieviten en één ooievaar."


def square(lon, lat, size=0.04, **properties) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def zones(codes, category="kansrijk") -> dict:
    return {"type": "FeatureCollection", "features": [
        square(5.05 + i * 0.05, 52.05, code=code, naam=f"Zone {code}", categorie=category)
        for i, code in enumerate(codes)]}


@dataclass
class Dataset:
    round: object
    other_round: object
    layer: object
    users: dict
    ids: dict = field(default_factory=dict)  # name → contribution id
    times: dict = field(default_factory=dict)  # name → created_at (naive UTC)

    @property
    def emails(self) -> list[str]:
        return list(db.session.scalars(select(User.email)))


def _user(email, name, role=Role.RESIDENT, organisation=None) -> User:
    """An account that never logs in (no password hashing: it is slow on purpose)."""
    user = User(email=email, password_hash="!", display_name=name, confirmed_at=utcnow(), organisation=organisation)
    user.roles = [UserRole(role=role.value)]
    db.session.add(user)
    db.session.flush()
    return user


def make_dataset(make_user, slug="export-ronde", project_slug="export-project", status="published") -> Dataset:
    """Build the round; returns ids and times to compare exports with."""
    project = Project(slug=project_slug, title="Exportproject", status=status, area=AREA)
    db.session.add(project)
    lto = db.session.scalar(select(Organisation).where(Organisation.name == "LTO Noord"))
    if lto is None:
        lto = Organisation(name="LTO Noord")
        db.session.add(lto)
        db.session.flush()
    # The first dataset's addresses are fixed (tests look for them); a second one gets its own.
    domain = "example.org" if slug == "export-ronde" else f"{slug}.example.org"
    users = {
        "r1": _user(f"anna.export@{domain}", "Anna Exporttest"),
        "r2": _user(f"bert.export@{domain}", "Bert Exporttest"),
        "lto": _user(f"lto.export@{domain}", "LTO Exporttest", Role.STAKEHOLDER, lto),
        "mod": _user(f"mod.export@{domain}", "Mod Exporttest", Role.MODERATOR),
    }
    now = utcnow()
    start = now - timedelta(days=10)
    round_ = rounds.create_round(project, slug=slug, title="Exportronde: zon en landschap", starts_at=rounds.utc_to_local(start).replace(tzinfo=None),
                                 ends_at=rounds.utc_to_local(now + timedelta(days=30)).replace(tzinfo=None))
    other = rounds.create_round(project, slug=slug + "-twee", title="Tweede ronde", starts_at=rounds.utc_to_local(start).replace(tzinfo=None),
                                ends_at=rounds.utc_to_local(now + timedelta(days=30)).replace(tzinfo=None))
    layer = rounds.add_layer(round_, "Kansenkaart zon")
    rounds.upload_layer_version(layer, zones(["A", "B", "C"]), note="eerste")
    rounds.upload_layer_version(layer, zones(["A", "B", "C", "D"], category="mogelijk"), note="tweede")
    withdrawn = rounds.upload_layer_version(layer, zones(["A"], category="uitgesloten"), note="ingetrokken")
    rounds.set_version_published(withdrawn, False)
    db.session.commit()
    data = Dataset(round_, other, layer, users)
    zone_a = next(z for z in rounds.current_zones(round_) if z.key == "A")

    def add(name, author, hours, status=PUBLISHED, channel="web", **kwargs):
        when = start + timedelta(days=1, hours=hours)
        contribution = contributions.create_contribution(round_, author, channel=channel, now=when, **kwargs)
        contribution.status = status
        data.ids[name], data.times[name] = contribution.id, when
        return contribution

    add("point", users["r1"], 1, theme="landschap", text=DUTCH_TEXT, zone_id=zone_a.id)
    add("line", users["lto"], 2, theme="landbouw", text=FORMULA_TEXT,
        geometry={"type": "LineString", "coordinates": [[5.11, 52.11], [5.13, 52.12], [5.16, 52.11]]})
    add("area", users["r2"], 3, theme="natuur", text="Hier graag geen panelen.\nWel bloemen.",
        geometry={"type": "Polygon", "coordinates": [[[5.2, 52.15], [5.22, 52.15], [5.22, 52.17], [5.2, 52.15]]]})
    add("phone", None, 4, channel="phone", theme="natuur", text="Telefonisch: laat de bomen staan.",
        geometry={"type": "Point", "coordinates": [5.25, 52.01]})
    add("paper", None, 5, channel="paper", theme="cultuurhistorie", text="Per brief, zonder plek.")
    add("hidden", users["r1"], 6, status=HIDDEN, theme="landschap", text="Verborgen inbreng.",
        geometry={"type": "Point", "coordinates": [5.12, 52.09]})
    add("pending", users["r2"], 7, status=PENDING, theme="landschap", text="Nog niet beoordeeld.",
        geometry={"type": "Point", "coordinates": [5.13, 52.09]})
    add("rejected", users["r2"], 8, status=REJECTED, theme="natuur", text="Afgewezen inbreng.",
        geometry={"type": "Point", "coordinates": [5.14, 52.09]})
    db.session.commit()
    point = db.session.get(Contribution, data.ids["point"])
    line = db.session.get(Contribution, data.ids["line"])
    contributions.cast_vote(round_, users["r2"], "support", contribution_id=point.id)
    contributions.cast_vote(round_, users["lto"], "support", contribution_id=point.id)
    contributions.cast_vote(round_, users["mod"], "objection", contribution_id=point.id)
    contributions.cast_vote(round_, users["r1"], "objection", contribution_id=line.id)
    contributions.cast_vote(round_, users["r1"], "support", zone_id=zone_a.id)
    contributions.cast_vote(round_, users["r2"], "objection", zone_id=zone_a.id)
    contributions.add_reply(point, users["r2"], "Eens, mooi plekje.")
    hidden_reply = contributions.add_reply(point, users["lto"], "Dit antwoord is verborgen.")
    hidden_reply.status = HIDDEN
    contributions.add_reply(line, users["r2"], "Waarom hier?")
    # The same person contributes in the other round: the pseudonym must differ there.
    contributions.create_contribution(other, users["r1"], theme="natuur", text="In de tweede ronde.",
                                      geometry={"type": "Point", "coordinates": [5.1, 52.1]})
    db.session.commit()
    return data


@pytest.fixture
def dataset(app, make_user) -> Dataset:
    return make_dataset(make_user)


@pytest.fixture
def empty_round(app):
    """A published round without any input or layer."""
    project = Project(slug="leeg-project", title="Leeg project", status="published", area=AREA)
    db.session.add(project)
    now = utcnow()
    round_ = rounds.create_round(project, slug="lege-ronde", title="Lege ronde",
                                 starts_at=datetime(2026, 1, 1, 9), ends_at=rounds.utc_to_local(now + timedelta(days=9)).replace(tzinfo=None))
    db.session.commit()
    return round_
