"""The round page, zone votes and plan-layer GeoJSON over HTTP, and the staff pages for rounds, layers
and layer versions. Includes the query count of the round page for a small and a big round."""
import io
import json
from contextlib import contextmanager
from datetime import datetime

import pytest
from pyproj import Transformer
from sqlalchemy import event, func, select

from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN, OBJECTION, PENDING, SUPPORT, Contribution, Vote
from participatie.extensions import db
from participatie.permissions import Role
from participatie.rounds import demo
from participatie.rounds import services as rounds
from participatie.rounds.models import Layer, LayerVersion, Round, Zone

from .conftest import AREA, INSIDE, square, zones_layer


def zone(layer_, key="A", version=0) -> Zone:
    return [z for z in layer_.versions[version].zones if z.key == key][0]


def vote_url(round_, zone_):
    return f"/rondes/{round_.slug}/zones/{zone_.id}/stem"


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block (cursor level, so lazy loads count too)."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


# --- the round page ---------------------------------------------------------------------------------

def test_round_page_shows_question_state_legend_zones_totals_and_link(client, make_round, make_user):
    round_ = make_round(question="Waar wel, waar niet?", instructions="Klik op de kaart.",
                        starts=datetime(2026, 1, 10, 9, 0), ends=datetime(2030, 7, 1, 17, 0))
    layer_ = rounds.add_layer(round_, "Kansenkaart")
    rounds.upload_layer_version(layer_, {"type": "FeatureCollection", "features": [
        square(5.05, 52.05, 0.04, code="A", naam="Zone A", categorie="kansrijk"),
        square(5.10, 52.05, 0.04, code="B", naam="Zone B", categorie="uitgesloten")]})
    db.session.commit()
    author = make_user()
    contributions.create_contribution(round_, author, theme="natuur", text="Geheime inhoud van de inbreng",
                                      geometry=INSIDE)
    contributions.cast_vote(round_, make_user(), SUPPORT, zone_id=zone(layer_).id)
    db.session.commit()

    response = client.get(f"/rondes/{round_.slug}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert round_.title in html and "Waar wel, waar niet?" in html and "Klik op de kaart." in html
    # Summer time in Amsterdam: 17:00 local is stored as 15:00 UTC and shown as 17:00.
    assert "U kunt meedoen tot 1 juli 2030 om 17:00." in html
    assert "Kansrijk" in html and "Uitgesloten" in html  # the legend names categories in words
    assert 'id="zone-' in html and "Zone A" in html and "1 keer steun, 0 keer bezwaar" in html
    assert "Er is 1 reactie geplaatst." in html and f'href="/rondes/{round_.slug}/inbreng"' in html
    assert f'href="/rondes/{round_.slug}/inbreng?zone={zone(layer_).id}"' in html
    # The page never embeds contributions: the map fetches them, the list has pages.
    assert "Geheime inhoud" not in html
    assert f"/rondes/{round_.slug}/inbreng.geojson" in html


def test_round_page_for_a_resident_has_form_privacy_and_vote_buttons(client, open_round, layer, login_as):
    login_as(Role.RESIDENT)
    html = client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)
    assert 'id="contribution-form"' in html and f'action="/rondes/{open_round.slug}/inbreng/nieuw"' in html
    assert 'id="contribution-geometry"' in html and 'name="zone_id"' in html and 'name="place"' in html
    assert html.index("Wat gebeurt er met uw inbreng?") < html.index('id="contribution-form"')
    assert f'action="{vote_url(open_round, zone(layer))}"' in html and 'value="support"' in html
    assert "Reageer op deze zone" in html


def test_round_page_states(client, make_round):
    upcoming = make_round(starts=datetime(2030, 3, 1, 9, 0), ends=datetime(2030, 4, 1, 17, 0))
    html = client.get(f"/rondes/{upcoming.slug}").get_data(as_text=True)
    assert "Deze ronde opent op 1 maart 2030 om 09:00" in html
    closed = make_round(starts=datetime(2020, 3, 1, 9, 0), ends=datetime(2020, 4, 1, 17, 0))
    html = client.get(f"/rondes/{closed.slug}").get_data(as_text=True)
    assert "Deze ronde is gesloten." in html and "Gesloten sinds 1 april 2020 om 17:00" in html
    assert "<form method=\"post\"" not in html.split('<main')[1].split('</main>')[0]


def test_round_page_of_draft_project_is_404_for_the_public(client, open_round, project, login_as):
    project.status = "draft"
    db.session.commit()
    assert client.get(f"/rondes/{open_round.slug}").status_code == 404
    assert client.get("/rondes/bestaat-niet").status_code == 404
    login_as(Role.RESIDENT)
    assert client.get(f"/rondes/{open_round.slug}").status_code == 404
    client.post("/account/uitloggen")
    login_as(Role.ADMIN)
    assert "Concept." in client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)


def test_counts_on_the_round_page_ignore_pending_and_hidden(client, open_round, make_user):
    for status in (PENDING, HIDDEN, "published"):
        made = contributions.create_contribution(open_round, make_user(), theme="natuur", text="x", geometry=INSIDE)
        made.status = status
    db.session.commit()
    assert "Er is 1 reactie geplaatst." in client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)


@pytest.mark.parametrize("logged_in", [False, True])
def test_round_page_query_count_does_not_grow_with_contributions(client, make_round, layer, login_as, logged_in):
    """The page for a round with 500 contributions runs as many queries as for one with 10."""
    if logged_in:
        login_as(Role.RESIDENT)
    small, big = make_round(), make_round()
    for round_, number in ((small, 10), (big, 500)):
        for made in (rounds.add_layer(round_, "Laag"),):
            rounds.upload_layer_version(made, zones_layer())
        demo.generate_contributions(round_, number, seed=3)
    db.session.commit()
    counted = []
    for round_ in (small, big, small):  # the first request warms caches that are not per round
        db.session.expire_all()
        with count_queries() as statements:
            response = client.get(f"/rondes/{round_.slug}")
        assert response.status_code == 200
        counted.append(len(statements))
    assert counted[1] == counted[2], counted
    assert db.session.scalar(select(func.count()).select_from(Contribution).where(
        Contribution.round_id == big.id)) == 500


# --- zone votes -------------------------------------------------------------------------------------

def test_zone_vote_change_and_withdraw(client, open_round, layer, login_as):
    login_as(Role.RESIDENT)
    target = zone(layer)
    response = client.post(vote_url(open_round, target), data={"waarde": SUPPORT})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/rondes/{open_round.slug}#zone-{target.id}"
    client.post(vote_url(open_round, target), data={"waarde": SUPPORT})  # twice: one vote
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1
    html = client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)
    assert "Uw steun is opgeslagen." in html and "U steunt dit." in html
    client.post(vote_url(open_round, target), data={"waarde": OBJECTION})
    assert db.session.scalar(select(Vote.value)) == OBJECTION
    assert "0 keer steun, 1 keer bezwaar" in client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)
    client.post(vote_url(open_round, target), data={"waarde": "withdraw"})
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_zone_vote_refusals(client, make_round, layer, open_round, login_as):
    login_as(Role.RESIDENT)
    other = make_round()
    response = client.post(vote_url(other, zone(layer)), data={"waarde": SUPPORT})
    assert response.status_code == 403 and "hoort niet bij deze ronde" in response.get_data(as_text=True)
    assert client.post(f"/rondes/{open_round.slug}/zones/999999/stem", data={"waarde": SUPPORT}).status_code == 404
    response = client.post(vote_url(open_round, zone(layer)), data={"waarde": "ja"})
    assert response.status_code == 400 and "Kies steun of bezwaar" in response.get_data(as_text=True)
    open_round.votes_enabled = False
    db.session.commit()
    assert client.post(vote_url(open_round, zone(layer)), data={"waarde": SUPPORT}).status_code == 403
    open_round.votes_enabled = True
    open_round.ends_at = open_round.starts_at
    db.session.commit()
    response = client.post(vote_url(open_round, zone(layer)), data={"waarde": SUPPORT})
    assert response.status_code == 403 and "Deze ronde is gesloten" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_zone_vote_needs_login(client, open_round, layer):
    assert client.post(vote_url(open_round, zone(layer)), data={"waarde": SUPPORT}).status_code == 401
    html = client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)
    assert "Log in om te stemmen" in html and vote_url(open_round, zone(layer)) not in html


# --- plan-layer GeoJSON -----------------------------------------------------------------------------

def test_layer_version_geojson_with_vote_counts(client, open_round, layer, make_user):
    contributions.cast_vote(open_round, make_user(), SUPPORT, zone_id=zone(layer, "B").id)
    db.session.commit()
    response = client.get(f"/rondes/{open_round.slug}/lagen/{layer.id}/versies/1.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = response.get_json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    by_key = {f["id"]: f["properties"] for f in data["features"]}
    assert by_key["B"]["_support"] == 1 and by_key["A"]["_support"] == 0 and by_key["A"]["categorie"] == "kansrijk"


def test_unpublished_and_foreign_layer_versions(client, open_round, make_round, layer, login_as):
    rounds.upload_layer_version(layer, zones_layer(("A",)), publish=False)
    db.session.commit()
    url = f"/rondes/{open_round.slug}/lagen/{layer.id}/versies/2.geojson"
    assert client.get(url).status_code == 404
    assert client.get(f"/rondes/{open_round.slug}/lagen/{layer.id}/versies/9.geojson").status_code == 404
    other = make_round()
    assert client.get(f"/rondes/{other.slug}/lagen/{layer.id}/versies/1.geojson").status_code == 404
    login_as(Role.ADMIN)
    assert len(client.get(url).get_json()["features"]) == 1


# --- staff pages ------------------------------------------------------------------------------------

STAFF_PAGES = ["/beheer/rondes/", "/beheer/rondes/nieuw", "/beheer/rondes/{round}",
               "/beheer/rondes/{round}/lagen/nieuw", "/beheer/rondes/{round}/lagen/{layer}"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_are_for_admins_only(client, open_round, layer, login_as, path):
    url = path.format(round=open_round.id, layer=layer.id)
    response = client.get(url)
    assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"]
    login_as(Role.RESIDENT)
    assert client.get(url).status_code == 403
    client.post("/account/uitloggen")
    login_as(Role.MODERATOR)
    assert client.get(url).status_code == 403
    client.post("/account/uitloggen")
    login_as(Role.ADMIN)
    assert client.get(url).status_code == 200


def test_staff_posts_are_refused_for_residents(client, open_round, layer, login_as):
    login_as(Role.RESIDENT)
    for url in ("/beheer/rondes/nieuw", f"/beheer/rondes/{open_round.id}",
                f"/beheer/rondes/{open_round.id}/lagen/nieuw",
                f"/beheer/rondes/{open_round.id}/lagen/{layer.id}",
                f"/beheer/rondes/{open_round.id}/lagen/{layer.id}/versies/1/publicatie"):
        assert client.post(url, data={"title": "x", "name": "x", "published": "0"}).status_code == 403
    assert db.session.get(LayerVersion, layer.versions[0].id).published is True


def round_form(project, **overrides) -> dict:
    data = {
        "project_id": str(project.id), "title": "Nieuwe ronde", "slug": "nieuwe-ronde",
        "question": "Wat vindt u?", "instructions": "Klik op de kaart.",
        "starts_at": "2026-03-29T01:30", "ends_at": "2026-10-25T02:30",
        "themes": "natuur, Water ,natuur", "allowed_geometries": ["point", "area"],
        "votes_enabled": "y", "moderation": "pre", "center_lat": "52,09", "center_lon": "5.12", "zoom": "11",
        "area": "",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_round_with_every_setting(client, project, login_as):
    login_as(Role.ADMIN)
    form = client.get(f"/beheer/rondes/nieuw?project={project.id}").get_data(as_text=True)
    assert "landschap, cultuurhistorie, natuur, landbouw" in form and 'type="datetime-local"' in form
    response = client.post("/beheer/rondes/nieuw", data=round_form(project))
    assert response.status_code == 302
    made = db.session.scalar(select(Round))
    assert response.headers["Location"] == f"/beheer/rondes/{made.id}"
    # Europe/Amsterdam in, naive UTC stored: the start is in winter time (+1), the end in summer time (+2).
    assert made.starts_at == datetime(2026, 3, 29, 0, 30) and made.ends_at == datetime(2026, 10, 25, 0, 30)
    assert made.themes == ["natuur", "water"] and made.allowed_geometries == ["point", "area"]
    assert (made.votes_enabled, made.moderation, made.center_lat, made.center_lon, made.zoom) == (
        True, "pre", 52.09, 5.12, 11)
    edit = client.get(f"/beheer/rondes/{made.id}").get_data(as_text=True)
    assert 'value="2026-03-29T01:30"' in edit and 'value="2026-10-25T02:30"' in edit
    assert '<input checked id="moderation-1" name="moderation" type="radio" value="pre">' in edit
    listing = client.get(f"/beheer/rondes/?project={project.id}").get_data(as_text=True)
    assert "Nieuwe ronde" in listing and f'href="/rondes/{made.slug}"' in listing


def test_admin_round_form_errors_keep_input(client, project, make_round, login_as):
    make_round(slug="bezet")
    login_as(Role.ADMIN)
    response = client.post("/beheer/rondes/nieuw", data=round_form(
        project, slug="bezet", ends_at="2026-03-01T10:00", themes="", allowed_geometries=[], center_lat="abc",
        zoom="40", title="Mijn titel"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Er is iets niet goed ingevuld" in html
    assert "Vul een getal in" in html and 'value="Mijn titel"' in html
    response = client.post("/beheer/rondes/nieuw", data=round_form(
        project, slug="bezet", ends_at="2026-03-01T10:00", themes="", allowed_geometries=[]))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Er is al een ronde met dit webadres." in html and "Het einde moet na het begin liggen." in html
    assert "Kies minstens één thema." in html and "Kies uit punt, lijn en vlak" in html
    response = client.post("/beheer/rondes/nieuw", data=round_form(project, center_lat="48.85", center_lon="2.35"))
    assert response.status_code == 400 and "niet in Nederland" in response.get_data(as_text=True)
    response = client.post("/beheer/rondes/nieuw", data=round_form(project, area='{"type": "Point"'))
    assert response.status_code == 400 and "geen geldige GeoJSON" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Round)) == 1


def test_admin_edits_a_round_and_its_area(client, open_round, login_as):
    login_as(Role.ADMIN)
    data = round_form(open_round.project, slug=open_round.slug, title="Andere titel", area=json.dumps(AREA),
                      center_lat="", center_lon="", zoom="")
    response = client.post(f"/beheer/rondes/{open_round.id}", data=data)
    assert response.status_code == 302
    db.session.refresh(open_round)
    assert open_round.title == "Andere titel" and open_round.area["type"] == "Polygon"
    assert open_round.center_lat is None and open_round.zoom is None
    response = client.post(f"/beheer/rondes/{open_round.id}", data={**data, "title": ""})
    assert response.status_code == 400
    db.session.refresh(open_round)
    assert open_round.title == "Andere titel"


def test_admin_adds_a_layer_and_uploads_versions(client, open_round, login_as):
    login_as(Role.ADMIN)
    response = client.post(f"/beheer/rondes/{open_round.id}/lagen/nieuw",
                           data={"name": "Kansenkaart", "style_property": "categorie", "votable": "y"})
    layer_ = db.session.scalar(select(Layer))
    assert response.status_code == 302
    url = f"/beheer/rondes/{open_round.id}/lagen/{layer_.id}"
    assert response.headers["Location"] == url
    assert client.post(f"/beheer/rondes/{open_round.id}/lagen/nieuw", data={"name": " "}).status_code == 400

    file = (io.BytesIO(json.dumps(zones_layer()).encode()), "zones.geojson")
    response = client.post(url, data={"file": file, "note": "Eerste", "publish": "y"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    response = client.post(url, data={"text": json.dumps(zones_layer(("A", "B"))), "publish": ""},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    versions = {v.number: v for v in db.session.scalars(select(LayerVersion))}
    assert (versions[1].feature_count, versions[1].filename, versions[1].published) == (3, "zones.geojson", True)
    assert (versions[2].feature_count, versions[2].published) == (2, False)
    html = client.get(url).get_data(as_text=True)
    assert "zones.geojson" in html and "Niet gepubliceerd" in html
    assert f"/rondes/{open_round.slug}/lagen/{layer_.id}/versies/2.geojson" in html
    response = client.post(f"{url}/versies/2/publicatie", data={"published": "1"})
    assert response.status_code == 302
    db.session.refresh(versions[2])
    assert versions[2].published
    assert [z.key for z in rounds.current_zones(open_round)] == ["A", "B"]
    client.post(f"{url}/versies/2/publicatie", data={"published": "0"})
    assert len(rounds.current_zones(open_round)) == 3


def test_rd_new_upload_is_converted(client, open_round, login_as):
    login_as(Role.ADMIN)
    layer_ = rounds.add_layer(open_round, "RD")
    db.session.commit()
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    ring = [list(to_rd.transform(lon, lat)) for lon, lat in [(5.1, 52.05), (5.2, 52.05), (5.2, 52.1), (5.1, 52.1),
                                                             (5.1, 52.05)]]
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"naam": "RD-vlak"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    response = client.post(f"/beheer/rondes/{open_round.id}/lagen/{layer_.id}", data={
        "file": (io.BytesIO(json.dumps(data).encode()), "rd.json"), "publish": "y"}, content_type="multipart/form-data")
    assert response.status_code == 302
    version = db.session.scalar(select(LayerVersion))
    assert version.source_crs == "EPSG:28992"
    assert "omgezet uit RD New" in client.get(f"/beheer/rondes/{open_round.id}/lagen/{layer_.id}").get_data(
        as_text=True)


@pytest.mark.parametrize("payload, message", [
    ({"text": json.dumps({"type": "FeatureCollection", "features": [
        square(5.05, 52.05),
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[5.10, 52.08], [5.12, 52.10], [5.12, 52.08], [5.10, 52.10], [5.10, 52.08]]]}}]})},
     "Object 2: ongeldige geometrie"),
    ({"text": json.dumps({"type": "Feature", "properties": {}, "geometry": {"type": "Point",
                                                                          "coordinates": ["5", "52"]}})},
     "Object 1:"),
    ({"text": "{kapot"}, "geen geldige GeoJSON"),
    ({"text": "   "}, "Kies een GeoJSON-bestand"),
    ({"file": (io.BytesIO(b"\xff\xfe\x00"), "x.geojson")}, "geen tekst in UTF-8"),
])
def test_broken_layer_upload_stores_nothing_and_names_the_feature(client, open_round, layer, login_as, payload,
                                                                  message):
    login_as(Role.ADMIN)
    response = client.post(f"/beheer/rondes/{open_round.id}/lagen/{layer.id}", data=payload,
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html, html[html.find("error-summary"):][:600]
    assert db.session.scalar(select(func.count()).select_from(LayerVersion)) == 1


def test_admin_round_list_and_project_links(client, open_round, project, login_as):
    login_as(Role.ADMIN)
    html = client.get("/beheer/rondes/").get_data(as_text=True)
    assert open_round.title in html and project.title in html and "Open" in html
    assert client.get("/beheer/rondes/?project=99999").status_code == 404
    assert client.get("/beheer/rondes/99999").status_code == 404
    edit = client.get(f"/beheer/projecten/{project.id}").get_data(as_text=True)
    assert f"/beheer/rondes/?project={project.id}" in edit


def test_project_page_lists_its_rounds(client, open_round, project):
    html = client.get(f"/projecten/{project.slug}").get_data(as_text=True)
    assert "Participatierondes" in html and f'href="/rondes/{open_round.slug}"' in html and open_round.title in html
