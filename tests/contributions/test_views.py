"""The contribution pages over HTTP: the list with filters, sorting and pages; the map's GeoJSON; the
form (zone, municipality, search, drawn geometry, photo) with every bad input of issue 3; the
permalink with its photo, replies and votes; edit and delete by the author; who may do what."""
import io
import json
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN, OBJECTION, PENDING, PUBLISHED, SUPPORT, Contribution, Reply, Vote
from participatie.extensions import db
from participatie.permissions import Role

from rounds.conftest import INSIDE, utc

LINE = {"type": "LineString", "coordinates": [[5.10, 52.08], [5.12, 52.09], [5.14, 52.08]]}
AREA = {"type": "Polygon", "coordinates": [[[5.10, 52.08], [5.12, 52.08], [5.12, 52.10], [5.10, 52.10],
                                            [5.10, 52.08]]]}


def new_url(round_):
    return f"/rondes/{round_.slug}/inbreng/nieuw"


def page_url(round_, contribution_id, suffix=""):
    return f"/rondes/{round_.slug}/inbreng/{contribution_id}{suffix}"


def count(model=Contribution) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def jpeg(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def contribute(client, round_, **data):
    """POST the contribution form (multipart, as the browser sends it)."""
    data.setdefault("theme", "natuur")
    data.setdefault("text", "Hier broeden grutto's.")
    if not {"geometry", "zone_id", "place", "found"} & set(data):
        data["place"] = "houten"
    return client.post(new_url(round_), data=data, content_type="multipart/form-data")


@pytest.fixture
def make_contribution(open_round, make_user):
    """Factory: a contribution (published unless told otherwise) by a new user, unless an author is given."""

    def factory(round_=None, author=None, status=PUBLISHED, text="Mooie plek voor een zonneveld.", **kwargs):
        round_ = round_ or open_round
        kwargs.setdefault("theme", "natuur")
        if not {"geometry", "zone_id", "place"} & set(kwargs):
            kwargs["geometry"] = INSIDE
        made = contributions.create_contribution(round_, author or make_user(), text=text, **kwargs)
        made.status = status
        db.session.commit()
        return made

    return factory


# --- the list ---------------------------------------------------------------------------------------

def test_list_shows_published_input_with_theme_place_and_escaped_text(client, open_round, make_contribution):
    make_contribution(text='<script>alert("x")</script> en <b>vet</b>', theme="landbouw", place="houten")
    response = client.get(f"/rondes/{open_round.slug}/inbreng")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '&lt;script&gt;alert("x")&lt;/script&gt; en &lt;b&gt;vet&lt;/b&gt;' in html
    assert "<script>alert" not in html and "<b>vet</b>" not in html
    assert "Landbouw: Houten" in html and "1 reactie gevonden." in html


def test_list_never_shows_pending_or_hidden_input_to_others(client, open_round, make_contribution, login_as):
    make_contribution(text="Openbaar stuk")
    make_contribution(text="Wacht nog", status=PENDING)
    make_contribution(text="Verborgen stuk", status=HIDDEN)
    for who in (None, Role.RESIDENT):
        if who:
            login_as(who)
        html = client.get(f"/rondes/{open_round.slug}/inbreng").get_data(as_text=True)
        assert "Openbaar stuk" in html and "Wacht nog" not in html and "Verborgen stuk" not in html
        assert "1 reactie gevonden." in html
    login_as(Role.MODERATOR)
    html = client.get(f"/rondes/{open_round.slug}/inbreng").get_data(as_text=True)
    assert "Wacht nog" in html and "Verborgen stuk" in html and "Wacht op moderatie." in html


def test_list_filters_by_theme_and_zone_sorts_and_pages(client, open_round, layer, make_contribution, make_user):
    zone_b = [z for z in layer.versions[0].zones if z.key == "B"][0]
    in_b = make_contribution(theme="landschap", text="In zone B", zone_id=zone_b.id)
    elsewhere = {"type": "Point", "coordinates": [5.25, 52.15]}  # in no zone
    popular = make_contribution(theme="natuur", text="Veel steun", geometry=elsewhere)
    for i in range(22):
        make_contribution(theme="landbouw", text=f"Nummer {i}", geometry=elsewhere)
    for _ in range(2):
        contributions.cast_vote(open_round, make_user(), SUPPORT, contribution_id=popular.id)
    db.session.commit()
    base = f"/rondes/{open_round.slug}/inbreng"

    html = client.get(base + "?thema=landschap").get_data(as_text=True)
    assert "In zone B" in html and "Veel steun" not in html and "1 reactie gevonden." in html
    html = client.get(base + f"?zone={zone_b.id}").get_data(as_text=True)
    assert "In zone B" in html and "Nummer 3" not in html
    html = client.get(base + "?sorteer=steun").get_data(as_text=True)
    assert html.index("Veel steun") < html.index("Nummer 21")
    first = client.get(base).get_data(as_text=True)
    assert "24 reacties gevonden." in first and "Pagina 1 van 2" in first and "Nummer 21" in first
    assert "pagina=2" in first and "Veel steun" not in first  # newest first: the old ones are on page 2
    second = client.get(base + "?pagina=2&thema=").get_data(as_text=True)
    assert "Veel steun" in second and "Pagina 2 van 2" in second
    # Unknown or broken parameters are ignored, never a 500.
    for query in ("?thema=onbekend", "?zone=abc", "?sorteer=x", "?pagina=-3", "?pagina=99999999999999999999"):
        assert client.get(base + query).status_code == 200


def test_list_of_unknown_or_draft_round_is_404(client, open_round, project, login_as):
    assert client.get("/rondes/bestaat-niet/inbreng").status_code == 404
    project.status = "draft"
    db.session.commit()
    assert client.get(f"/rondes/{open_round.slug}/inbreng").status_code == 404
    assert client.get(f"/rondes/{open_round.slug}").status_code == 404
    login_as(Role.ADMIN)
    assert client.get(f"/rondes/{open_round.slug}/inbreng").status_code == 200


# --- the map's GeoJSON ------------------------------------------------------------------------------

def test_geojson_by_bbox_is_public_and_hides_unpublished(client, open_round, make_contribution):
    shown = make_contribution(text="Zichtbaar")
    make_contribution(text="Wacht", status=PENDING)
    make_contribution(text="Weg", status=HIDDEN)
    response = client.get(f"/rondes/{open_round.slug}/inbreng.geojson?bbox=5.0,52.0,5.3,52.2&limit=10")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert "private" in response.headers["Cache-Control"]
    data = response.get_json()
    assert data["type"] == "FeatureCollection" and [f["id"] for f in data["features"]] == [shown.id]
    assert data["features"][0]["properties"]["url"] == page_url(open_round, shown.id)
    assert client.get(f"/rondes/{open_round.slug}/inbreng.geojson?bbox=4.0,51.0,4.1,51.1").get_json()[
        "features"] == []


def test_geojson_shows_the_authors_own_pending_input(client, open_round, make_contribution, login_as):
    author = login_as(Role.RESIDENT)
    own = make_contribution(author=author, status=PENDING)
    [feature] = client.get(f"/rondes/{open_round.slug}/inbreng.geojson?bbox=5,52,5.3,52.2").get_json()["features"]
    assert feature["id"] == own.id and feature["properties"]["status"] == PENDING


@pytest.mark.parametrize("query", ["", "?bbox=", "?bbox=1,2,3", "?bbox=a,b,c,d", "?bbox=6,52,5,53",
                                   "?bbox=5,52,6,53&limit=abc", "?bbox=5,52,6,53&limit=-1"])
def test_geojson_bad_bbox_or_limit_is_a_400_json_error(client, open_round, query):
    response = client.get(f"/rondes/{open_round.slug}/inbreng.geojson{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["message"] and body["errors"]


def test_geojson_limit_and_unknown_round(client, open_round, make_contribution):
    for _ in range(3):
        make_contribution()
    data = client.get(f"/rondes/{open_round.slug}/inbreng.geojson?bbox=5,52,5.3,52.2&limit=2").get_json()
    assert data["numberReturned"] == 2 and data["truncated"] is True
    response = client.get("/rondes/bestaat-niet/inbreng.geojson?bbox=5,52,5.3,52.2")
    assert response.status_code == 404 and response.get_json()["message"]


# --- the contribution form --------------------------------------------------------------------------

def test_visitor_is_sent_to_login_and_cannot_post(client, open_round, make_contribution):
    made = make_contribution()
    response = client.get(new_url(open_round))
    assert response.status_code == 302 and "/account/inloggen?next=" in response.headers["Location"]
    for url in (new_url(open_round), page_url(open_round, made.id, "/antwoord"), page_url(open_round, made.id, "/stem"),
                page_url(open_round, made.id, "/verwijderen")):
        assert client.post(url, data={"text": "x", "waarde": SUPPORT}).status_code == 401
    assert count() == 1 and count(Vote) == 0 and count(Reply) == 0


def test_round_page_asks_visitors_to_log_in(client, open_round):
    html = client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)
    assert "Log in om mee te doen" in html and f"next=/rondes/{open_round.slug}" in html
    assert 'id="contribution-form"' not in html


def test_form_shows_zones_municipalities_limit_and_privacy(client, open_round, layer, login_as):
    login_as(Role.RESIDENT)
    response = client.get(new_url(open_round) + f"?zone={layer.versions[0].zones[1].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="geometry"' in html and 'id="contribution-geometry"' in html and 'type="hidden"' in html
    assert f'<option selected value="{layer.versions[0].zones[1].id}">' in html
    assert ">Houten</option>" in html and ">Amersfoort</option>" not in html  # outside the test area
    assert 'maxlength="2000"' in html and "Maximaal 2000 tekens" in html
    assert "Wat gebeurt er met uw inbreng?" in html and "schermnaam" in html and "bewaren" in html
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html


def test_contribution_by_municipality_is_published_and_redirects_to_permalink(client, open_round, login_as):
    author = login_as(Role.RESIDENT)
    response = contribute(client, open_round, place="houten", theme="landschap", text="Open polder bij Houten")
    [made] = db.session.scalars(select(Contribution)).all()
    assert response.status_code == 302 and response.headers["Location"] == page_url(open_round, made.id)
    assert (made.author_id, made.place_label, made.place_source, made.status) == (author.id, "Houten", "place",
                                                                                     PUBLISHED)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uw inbreng is geplaatst" in html and "Open polder bij Houten" in html


def test_contribution_by_zone_and_by_drawn_geometry(client, open_round, layer, login_as):
    login_as(Role.RESIDENT)
    zone = layer.versions[0].zones[0]
    assert contribute(client, open_round, zone_id=str(zone.id)).status_code == 302
    assert contribute(client, open_round, geometry=json.dumps(AREA), zone_id="", place="").status_code == 302
    assert contribute(client, open_round, geometry=json.dumps(LINE)).status_code == 302
    kinds = {(c.place_source, c.geometry_type) for c in db.session.scalars(select(Contribution))}
    assert kinds == {("zone", "point"), ("map", "area"), ("map", "line")}


def test_place_search_offers_results_as_radio_choices(client, open_round, layer, login_as):
    login_as(Role.RESIDENT)
    html = client.get(new_url(open_round) + "?zoek=hout").get_data(as_text=True)
    assert 'type="radio"' in html and 'value="place:houten"' in html and "Gemeente Houten" in html
    html = client.get(new_url(open_round) + "?zoek=zone b").get_data(as_text=True)
    zone_b = [z for z in layer.versions[0].zones if z.key == "B"][0]
    assert f'value="zone:{zone_b.id}"' in html
    html = client.get(new_url(open_round) + "?zoek=xyzzy").get_data(as_text=True)
    assert "Geen zone of gemeente gevonden" in html
    response = contribute(client, open_round, found="place:houten", zoek="hout", place="")
    assert response.status_code == 302
    assert db.session.scalar(select(Contribution.place_label)) == "Houten"


def test_pre_moderated_round_shows_waiting_to_author_only(client, make_round, login_as, auth, make_user):
    round_ = make_round(moderation="pre")
    login_as(Role.RESIDENT)
    response = contribute(client, round_, text="Graag een fietspad")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "wacht op moderatie" in html.lower() and "Graag een fietspad" in html
    contribution_id = db.session.scalar(select(Contribution.id))
    auth.logout()
    assert client.get(page_url(round_, contribution_id)).status_code == 404
    assert "Graag een fietspad" not in client.get(f"/rondes/{round_.slug}/inbreng").get_data(as_text=True)
    other = make_user()
    auth.login(other.email)
    assert client.get(page_url(round_, contribution_id)).status_code == 404
    assert "Er is 0 reacties" not in client.get(f"/rondes/{round_.slug}").get_data(as_text=True)
    assert "Er zijn 0 reacties geplaatst." in client.get(f"/rondes/{round_.slug}").get_data(as_text=True)


BAD_GEOMETRIES = {
    "outside_nl": ({"type": "Point", "coordinates": [2.35, 48.85]}, "buiten Nederland"),
    "outside_area": ({"type": "Point", "coordinates": [5.39, 52.16]}, "buiten het gebied van deze ronde"),
    "self_intersecting": ({"type": "Polygon", "coordinates": [[[5.10, 52.08], [5.12, 52.10], [5.12, 52.08],
                                                                [5.10, 52.10], [5.10, 52.08]]]}, "snijdt zichzelf"),
    "one_point_line": ({"type": "LineString", "coordinates": [[5.1, 52.1], [5.1, 52.1]]}, "minstens twee"),
    "string_coordinates": ({"type": "Point", "coordinates": ["5.1", "52.1"]}, "geen getallen"),
    "not_json": ("{kapot", "niet goed doorgekomen"),
}


@pytest.mark.parametrize("case", BAD_GEOMETRIES)
def test_bad_geometry_is_a_400_with_message_and_keeps_what_was_typed(client, open_round, login_as, case):
    geometry, message = BAD_GEOMETRIES[case]
    login_as(Role.RESIDENT)
    raw = geometry if isinstance(geometry, str) else json.dumps(geometry)
    response = contribute(client, open_round, geometry=raw, theme="landbouw", text="Mijn <em>eigen</em> tekst")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "Er is iets niet goed ingevuld" in html and 'href="#plek"' in html
    assert "Mijn &lt;em&gt;eigen&lt;/em&gt; tekst</textarea>" in html
    assert 'checked id="contribution-theme-3" name="theme" type="radio" value="landbouw"' in html
    assert count() == 0


def test_bad_zone_or_municipality_keeps_the_chosen_place(client, open_round, make_round, layer, login_as):
    login_as(Role.RESIDENT)
    other_round = make_round()
    from participatie.rounds import services as rounds

    other_layer = rounds.add_layer(other_round, "Andere laag")
    rounds.upload_layer_version(other_layer, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "X"}, "geometry": AREA}]})
    db.session.commit()
    foreign_zone = other_layer.versions[0].zones[0]
    response = contribute(client, open_round, zone_id=str(foreign_zone.id))
    assert response.status_code == 400 and "Kies een zone uit de lijst" in response.get_data(as_text=True)
    response = contribute(client, open_round, place="amersfoort", text="Tekst blijft")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Kies een gemeente uit de lijst" in html and "Tekst blijft" in html
    response = contribute(client, open_round, place="houten", theme="", text="Zonder thema")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Kies een thema" in html
    assert '<option selected value="houten">Houten</option>' in html
    assert count() == 0


def test_no_place_at_all(client, open_round, login_as):
    login_as(Role.RESIDENT)
    response = contribute(client, open_round, place="", zone_id="", geometry="")
    assert response.status_code == 400 and "Kies een plek op de kaart" in response.get_data(as_text=True)


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n"])
def test_whitespace_only_text(client, open_round, login_as, text):
    login_as(Role.RESIDENT)
    response = contribute(client, open_round, text=text)
    assert response.status_code == 400
    assert "Alleen spaties of witregels is niet genoeg" in response.get_data(as_text=True)
    assert count() == 0


def test_text_over_the_limit_is_a_400_and_five_megabytes_is_a_413(client, open_round, login_as):
    login_as(Role.RESIDENT)
    response = contribute(client, open_round, text="a" * 2001)
    assert response.status_code == 400 and "het maximum is 2000" in response.get_data(as_text=True)
    response = contribute(client, open_round, text="a" * (5 * 1024 * 1024))
    assert response.status_code == 413
    response = client.post(new_url(open_round), data={"theme": "natuur", "place": "houten",
                                                      "text": "a" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert count() == 0


def test_html_is_stored_as_typed_and_shown_escaped(client, open_round, login_as):
    login_as(Role.RESIDENT)
    typed = '<img src=x onerror="alert(1)"> <a href="javascript:alert(2)">klik</a>'
    response = contribute(client, open_round, text=typed)
    assert db.session.scalar(select(Contribution.text)) == typed
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<img src=x" not in html and '<a href="javascript' not in html
    assert '&lt;img src=x onerror="alert(1)"&gt;' in html


def test_pdf_as_photo_is_refused_and_a_real_photo_is_served_clean(client, open_round, login_as):
    login_as(Role.RESIDENT)
    pdf = (io.BytesIO(b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF"), "foto.jpg")
    response = contribute(client, open_round, photo=pdf, text="Met pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Dit bestand is geen foto" in html and "Met pdf" in html
    assert count() == 0
    response = contribute(client, open_round, photo=(io.BytesIO(jpeg()), "foto.jpg"))
    assert response.status_code == 302
    made = db.session.scalar(select(Contribution))
    assert made.has_photo
    photo = client.get(page_url(open_round, made.id, "/foto"))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and photo.data.startswith(b"\xff\xd8")
    assert "sandbox" in photo.headers["Content-Security-Policy"]
    assert f'src="{page_url(open_round, made.id, "/foto")}"' in client.get(page_url(open_round, made.id)).get_data(
        as_text=True)


def test_photo_of_hidden_contribution_or_without_photo_is_404(client, open_round, make_contribution):
    hidden = make_contribution(status=HIDDEN, photo=jpeg())
    plain = make_contribution()
    assert client.get(page_url(open_round, hidden.id, "/foto")).status_code == 404
    assert client.get(page_url(open_round, plain.id, "/foto")).status_code == 404


def test_closed_round_has_no_form_and_refuses_a_direct_post(client, make_round, login_as):
    round_ = make_round(starts=utc(days=-10), ends=utc(days=-1))
    login_as(Role.RESIDENT)
    page = client.get(f"/rondes/{round_.slug}").get_data(as_text=True)
    assert "Deze ronde is gesloten." in page and "<textarea" not in page and 'id="contribution-form"' not in page
    form_page = client.get(new_url(round_)).get_data(as_text=True)
    assert "Deze ronde is gesloten." in form_page and "<textarea" not in form_page
    response = contribute(client, round_)
    assert response.status_code == 403 and "Deze ronde is gesloten" in response.get_data(as_text=True)
    assert count() == 0


def test_upcoming_round_refuses_too(client, make_round, login_as):
    round_ = make_round(starts=utc(days=2), ends=utc(days=9))
    login_as(Role.RESIDENT)
    assert "Nog niet begonnen." in client.get(f"/rondes/{round_.slug}").get_data(as_text=True)
    response = contribute(client, round_)
    assert response.status_code == 403 and "nog niet begonnen" in response.get_data(as_text=True)


# --- the permalink ----------------------------------------------------------------------------------

def test_permalink_shows_text_place_map_and_counts(client, open_round, make_contribution, make_user):
    made = make_contribution(text="Kijk hier", theme="cultuurhistorie", place="houten")
    contributions.cast_vote(open_round, make_user(), OBJECTION, contribution_id=made.id)
    db.session.commit()
    response = client.get(page_url(open_round, made.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kijk hier" in html and "Cultuurhistorie" in html and "Houten" in html and "(ongeveer)" in html
    assert "0 keer steun, 1 keer bezwaar" in html
    assert "leaflet" in html  # the small map of its place
    assert "Log in om te stemmen of te antwoorden" in html


def test_permalink_of_pending_or_hidden_is_404_except_author_and_moderator(client, open_round, make_contribution,
                                                                           make_user, auth):
    author = make_user()
    pending = make_contribution(author=author, status=PENDING)
    hidden = make_contribution(author=author, status=HIDDEN)
    for item in (pending, hidden):
        assert client.get(page_url(open_round, item.id)).status_code == 404
    auth.login(make_user().email)
    assert client.get(page_url(open_round, pending.id)).status_code == 404
    auth.logout()
    auth.login(author.email)
    assert "Wacht op moderatie." in client.get(page_url(open_round, pending.id)).get_data(as_text=True)
    assert "Niet openbaar." in client.get(page_url(open_round, hidden.id)).get_data(as_text=True)
    auth.logout()
    auth.login(make_user(roles=(Role.MODERATOR,)).email)
    assert client.get(page_url(open_round, hidden.id)).status_code == 200


def test_permalink_of_another_rounds_contribution_is_404(client, open_round, make_round, make_contribution):
    other = make_round()
    made = make_contribution(round_=other)
    assert client.get(page_url(open_round, made.id)).status_code == 404
    assert client.get(page_url(open_round, 999999)).status_code == 404


# --- replies ----------------------------------------------------------------------------------------

def test_reply_is_shown_under_the_contribution(client, open_round, make_contribution, login_as):
    made = make_contribution()
    login_as(Role.RESIDENT, display_name="Beantwoorder")
    response = client.post(page_url(open_round, made.id, "/antwoord"), data={"text": "Eens, <b>mooi</b>"})
    [reply] = db.session.scalars(select(Reply)).all()
    assert response.status_code == 302
    assert response.headers["Location"] == page_url(open_round, made.id) + f"#antwoord-{reply.id}"
    html = client.get(page_url(open_round, made.id)).get_data(as_text=True)
    assert "Eens, &lt;b&gt;mooi&lt;/b&gt;" in html and "Beantwoorder" in html and "1 antwoord" in html


def test_reply_with_only_whitespace_comes_back_with_error(client, open_round, make_contribution, login_as):
    made = make_contribution()
    login_as(Role.RESIDENT)
    response = client.post(page_url(open_round, made.id, "/antwoord"), data={"text": "   \n  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Alleen spaties" in html and 'aria-invalid="true"' in html
    response = client.post(page_url(open_round, made.id, "/antwoord"), data={"text": "x" * 2001})
    assert response.status_code == 400 and "x" * 2001 + "</textarea>" in response.get_data(as_text=True)
    assert count(Reply) == 0


def test_reply_on_closed_round_or_hidden_contribution_is_refused(client, make_round, make_contribution, login_as):
    round_ = make_round()
    made = make_contribution(round_=round_)
    hidden = make_contribution(round_=round_, status=HIDDEN)
    login_as(Role.RESIDENT)
    assert client.post(page_url(round_, hidden.id, "/antwoord"), data={"text": "Hoi"}).status_code == 404
    round_.ends_at = round_.starts_at
    db.session.commit()
    response = client.post(page_url(round_, made.id, "/antwoord"), data={"text": "Hoi"})
    assert response.status_code == 403 and "gesloten" in response.get_data(as_text=True)
    html = client.get(page_url(round_, made.id)).get_data(as_text=True)
    assert 'id="reply-text"' not in html and "U kunt niet meer antwoorden" in html
    assert count(Reply) == 0


# --- votes ------------------------------------------------------------------------------------------

def test_vote_change_withdraw_and_double_vote(client, open_round, make_contribution, login_as):
    made = make_contribution()
    login_as(Role.RESIDENT)
    url = page_url(open_round, made.id, "/stem")
    response = client.post(url, data={"waarde": SUPPORT})
    assert response.status_code == 302 and response.headers["Location"] == page_url(open_round, made.id)
    assert client.post(url, data={"waarde": SUPPORT}).status_code == 302  # twice: still one vote
    assert count(Vote) == 1
    html = client.get(page_url(open_round, made.id)).get_data(as_text=True)
    assert "1 keer steun, 0 keer bezwaar" in html and "U steunt dit." in html
    client.post(url, data={"waarde": OBJECTION})
    assert db.session.scalar(select(Vote.value)) == OBJECTION and count(Vote) == 1
    assert "0 keer steun, 1 keer bezwaar" in client.get(page_url(open_round, made.id)).get_data(as_text=True)
    client.post(url, data={"waarde": "withdraw"})
    assert count(Vote) == 0


def test_vote_goes_back_to_a_safe_next_page(client, open_round, make_contribution, login_as):
    made = make_contribution()
    login_as(Role.RESIDENT)
    url = page_url(open_round, made.id, "/stem")
    back = f"/rondes/{open_round.slug}/inbreng?pagina=1#inbreng-{made.id}"
    assert client.post(url, data={"waarde": SUPPORT, "next": back}).headers["Location"] == back
    assert client.post(url, data={"waarde": SUPPORT, "next": "https://evil.example/"}).headers[
        "Location"] == page_url(open_round, made.id)


def test_bad_votes_are_clear_4xx(client, make_round, make_contribution, login_as):
    round_ = make_round()
    made = make_contribution(round_=round_)
    hidden = make_contribution(round_=round_, status=HIDDEN)
    login_as(Role.RESIDENT)
    response = client.post(page_url(round_, made.id, "/stem"), data={"waarde": "heel-veel"})
    assert response.status_code == 400 and "Kies steun of bezwaar" in response.get_data(as_text=True)
    assert client.post(page_url(round_, hidden.id, "/stem"), data={"waarde": SUPPORT}).status_code == 404
    round_.votes_enabled = False
    db.session.commit()
    response = client.post(page_url(round_, made.id, "/stem"), data={"waarde": SUPPORT})
    assert response.status_code == 403 and "niet stemmen" in response.get_data(as_text=True)
    round_.votes_enabled = True
    round_.ends_at = round_.starts_at
    db.session.commit()
    response = client.post(page_url(round_, made.id, "/stem"), data={"waarde": SUPPORT})
    assert response.status_code == 403 and "Deze ronde is gesloten" in response.get_data(as_text=True)
    assert count(Vote) == 0


def test_list_has_vote_buttons_for_residents(client, open_round, make_contribution, login_as):
    made = make_contribution()
    assert f"/inbreng/{made.id}/stem" not in client.get(f"/rondes/{open_round.slug}/inbreng").get_data(as_text=True)
    login_as(Role.RESIDENT)
    html = client.get(f"/rondes/{open_round.slug}/inbreng").get_data(as_text=True)
    assert f'action="/rondes/{open_round.slug}/inbreng/{made.id}/stem"' in html
    assert f'name="next" value="/rondes/{open_round.slug}/inbreng#inbreng-{made.id}"' in html


# --- edit and delete --------------------------------------------------------------------------------

def test_author_edits_within_thirty_minutes(client, open_round, login_as):
    author = login_as(Role.RESIDENT)
    contribute(client, open_round, text="Eerste versie", place="houten")
    made = db.session.scalar(select(Contribution))
    html = client.get(page_url(open_round, made.id)).get_data(as_text=True)
    assert "Inbreng wijzigen" in html and "Inbreng verwijderen" in html
    form = client.get(page_url(open_round, made.id, "/bewerken")).get_data(as_text=True)
    assert "Eerste versie</textarea>" in form and "Huidige plek: Houten" in form
    response = client.post(page_url(open_round, made.id, "/bewerken"),
                           data={"theme": "landbouw", "text": "Tweede versie"}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(made)
    assert (made.text, made.theme, made.place_label, made.author_id) == ("Tweede versie", "landbouw", "Houten",
                                                                         author.id)
    response = client.post(page_url(open_round, made.id, "/bewerken"), data={"theme": "landbouw", "text": " "},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    db.session.refresh(made)
    assert made.text == "Tweede versie"


def test_edit_refused_for_others_and_after_thirty_minutes(client, open_round, make_contribution, make_user, auth):
    author = make_user()
    made = make_contribution(author=author)
    auth.login(make_user().email)
    assert client.get(page_url(open_round, made.id, "/bewerken")).status_code == 403
    assert client.post(page_url(open_round, made.id, "/verwijderen")).status_code == 403
    assert "Inbreng wijzigen" not in client.get(page_url(open_round, made.id)).get_data(as_text=True)
    auth.logout()
    made.created_at -= timedelta(minutes=31)
    db.session.commit()
    auth.login(author.email)
    response = client.get(page_url(open_round, made.id, "/bewerken"))
    assert response.status_code == 403 and "30 minuten" in response.get_data(as_text=True)
    assert client.post(page_url(open_round, made.id, "/verwijderen")).status_code == 403
    assert count() == 1


def test_author_deletes_within_thirty_minutes(client, open_round, make_contribution, login_as):
    author = login_as(Role.RESIDENT)
    made = make_contribution(author=author)
    response = client.post(page_url(open_round, made.id, "/verwijderen"))
    assert response.status_code == 302 and response.headers["Location"] == f"/rondes/{open_round.slug}/inbreng"
    assert count() == 0
    assert client.get(page_url(open_round, made.id)).status_code == 404


# --- odd numbers in addresses and forms -------------------------------------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize("path, status", [
    (f"/inbreng/{HUGE}", 404), (f"/inbreng/{HUGE}/foto", 404), (f"/inbreng?zone={HUGE}", 200),
    ("/inbreng?zone=²", 200), ("/inbreng?pagina=²", 200), ("/inbreng.geojson?bbox=5,52,6,53&limit=²", 400),
    (f"/inbreng.geojson?bbox=5,52,6,53&limit={HUGE}", 200), (f"/lagen/{HUGE}/versies/1.geojson", 404),
])
def test_huge_or_odd_numbers_are_never_a_500(client, open_round, path, status):
    assert client.get(f"/rondes/{open_round.slug}{path}").status_code == status


def test_huge_zone_ids_in_forms_are_a_clear_4xx(client, open_round, make_contribution, login_as):
    made = make_contribution()
    login_as(Role.RESIDENT)
    response = contribute(client, open_round, zone_id=HUGE)
    assert response.status_code == 400 and "Kies een zone uit de lijst" in response.get_data(as_text=True)
    response = contribute(client, open_round, found=f"zone:{HUGE}", place="")
    assert response.status_code == 400 and "Kies een zone uit de lijst" in response.get_data(as_text=True)
    assert client.post(f"/rondes/{open_round.slug}/zones/{HUGE}/stem", data={"waarde": SUPPORT}).status_code == 404
    assert client.post(page_url(open_round, HUGE, "/stem"), data={"waarde": SUPPORT}).status_code == 404
    assert client.post(page_url(open_round, made.id, "/stem"), data={"waarde": SUPPORT}).status_code == 302
