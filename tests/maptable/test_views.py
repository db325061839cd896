"""HTTP: who may use which map-table route, joining with codes, input by participants and by the
facilitator, the live feed, closed sessions, the integral view and reports."""
import pytest

from participatie.contributions.models import Contribution
from participatie.extensions import db
from participatie.maptable import services
from participatie.permissions import Role

PASSWORD_LOGIN = "/account/inloggen"


def staff_routes(session, round_):
    return [
        "/beheer/kaarttafel",
        f"/beheer/rondes/{round_.slug}/kaarttafel",
        f"/beheer/rondes/{round_.slug}/kaarttafel/nieuw",
        f"/beheer/kaarttafel/{session.id}",
        f"/beheer/kaarttafel/{session.id}/bewerken",
        f"/kaarttafel/sessie/{session.id}/tafel",
        f"/beheer/rondes/{round_.slug}/kaarttafel/integraal",
        f"/beheer/kaarttafel/{session.id}/verslag",
        f"/beheer/kaarttafel/{session.id}/verslag.csv",
        f"/beheer/rondes/{round_.slug}/kaarttafel/verslag",
        f"/beheer/rondes/{round_.slug}/kaarttafel/verslag.csv",
    ]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAKEHOLDER])
def test_staff_routes_refuse_residents_and_stakeholders(make_session, open_round, login_as, client, role):
    session = make_session()
    login_as(role)
    for url in staff_routes(session, open_round):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/beheer/kaarttafel/{session.id}/status", data={"status": "afgerond"}).status_code == 403


def test_staff_routes_send_visitors_to_login(make_session, open_round, client):
    session = make_session()
    for url in staff_routes(session, open_round):
        response = client.get(url)
        assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"], url
    assert client.get(f"/kaarttafel/sessie/{session.id}/inbreng.json").status_code == 403
    assert client.get(f"/kaarttafel/sessie/{session.id}").status_code == 403


def test_facilitator_plans_a_session(open_round, layer, organisations, facilitator, auth, client):
    auth.login(facilitator.email)
    url = f"/beheer/rondes/{open_round.slug}/kaarttafel/nieuw"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"title": "<b>Landbouw</b>", "theme": "weer", "starts_at": "2026-03-12T14:00",
                                 "status": "gepland"})
    assert bad.status_code == 400
    assert b"&lt;b&gt;Landbouw&lt;/b&gt;" in bad.data  # kept, escaped
    response = client.post(url, data={
        "title": "Landbouw", "theme": "landbouw", "starts_at": "2026-03-12T14:00", "status": "gepland",
        "facilitator_ids": [str(facilitator.id)], "organisation_ids": [str(organisations["LTO Noord"].id)],
        "minutes": "<script>alert(1)</script>"})
    assert response.status_code == 302
    session = services.sessions_of_round(open_round)[0]
    page = client.get(f"/beheer/kaarttafel/{session.id}")
    assert session.code.encode() in page.data and b"&lt;script&gt;" in page.data and b"<script>alert" not in page.data


def test_codes_are_shown_once(make_session, organisations, facilitator, auth, client):
    session = make_session()
    auth.login(facilitator.email)
    response = client.post(f"/beheer/kaarttafel/{session.id}/codes",
                           data={"organisation_id": str(organisations["LTO Noord"].id), "count": "2"})
    assert response.status_code == 200
    assert response.data.count(b"data-participant-code") == 2
    assert client.get(f"/beheer/kaarttafel/{session.id}").data.count(b"data-participant-code") == 0
    refused = client.post(f"/beheer/kaarttafel/{session.id}/codes",
                          data={"organisation_id": str(organisations["Niet Uitgenodigd"].id), "count": "1"})
    assert refused.status_code == 400


def join(client, session, code=""):
    return client.post("/kaarttafel", data={"session_code": session.code, "participant_code": code})


def test_participant_with_code_adds_input(make_session, organisations, client, layer):
    session = make_session()
    [code] = services.make_participant_codes(session, organisations["Staatsbosbeheer"].id)
    db.session.commit()
    response = join(client, session, code)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kaarttafel/sessie/{session.id}")
    page = client.get(f"/kaarttafel/sessie/{session.id}")
    assert page.status_code == 200 and b"Staatsbosbeheer" in page.data
    # Without JavaScript: a zone from the list; the organisation comes from the code, not the form.
    response = client.post(f"/kaarttafel/sessie/{session.id}", data={
        "theme": "natuur", "text": "Hier broeden weidevogels", "zone_id": str(layer.versions[0].zones[0].id),
        "organisation_id": str(organisations["LTO Noord"].id), "stance": "exclude"})
    assert response.status_code == 302
    item = db.session.query(Contribution).one()
    assert item.organisation_id == organisations["Staatsbosbeheer"].id and item.channel == "kaarttafel"
    feed = client.get(f"/kaarttafel/sessie/{session.id}/inbreng.json?na=0").get_json()
    assert [i["text"] for i in feed["items"]] == ["Hier broeden weidevogels"]
    assert client.get(f"/kaarttafel/sessie/{session.id}/inbreng.json?na={item.id}").get_json()["items"] == []


def test_json_post_for_the_script(make_session, organisations, client):
    session = make_session()
    [code] = services.make_participant_codes(session, organisations["LTO Noord"].id)
    db.session.commit()
    join(client, session, code)
    headers = {"Accept": "application/json"}
    ok = client.post(f"/kaarttafel/sessie/{session.id}", data={"theme": "landbouw", "text": "ok"}, headers=headers)
    assert ok.status_code == 201 and ok.get_json()["id"] and ok.get_json()["submission_key"]
    bad = client.post(f"/kaarttafel/sessie/{session.id}", data={"theme": "landbouw", "text": " "}, headers=headers)
    assert bad.status_code == 400 and "text" in bad.get_json()["errors"]


def test_wrong_and_closed_codes_are_refused(make_session, organisations, client):
    session = make_session()
    response = client.post("/kaarttafel", data={"session_code": "QQQQQQ", "participant_code": ""})
    assert response.status_code == 404 and "Deze sessiecode kennen we niet".encode() in response.data
    response = join(client, session, "AAAA-AAAA-AAAA")
    assert response.status_code == 400 and "klopt niet".encode() in response.data
    assert b'value="AAAA-AAAA-AAAA"' in response.data  # what was typed stays
    closed = make_session(status="afgerond")
    assert join(client, closed).status_code == 403


def test_stakeholder_of_invited_or_other_organisation(make_session, stakeholder, organisations, make_user,
                                                     auth, client):
    session = make_session(invited=("Staatsbosbeheer",))
    auth.login(stakeholder.email)
    response = join(client, session)
    assert response.status_code == 403 and "niet uitgenodigd".encode() in response.data
    lto_session = make_session()
    assert join(client, lto_session).status_code == 302
    assert client.get(f"/kaarttafel/sessie/{lto_session.id}").status_code == 200
    # The grant is tied to the account: someone else on this browser does not inherit it.
    auth.logout()
    assert client.get(f"/kaarttafel/sessie/{lto_session.id}").status_code == 403


def test_input_after_close_is_refused_and_text_kept(make_session, organisations, client, facilitator):
    session = make_session()
    [code] = services.make_participant_codes(session, organisations["LTO Noord"].id)
    db.session.commit()
    join(client, session, code)
    services.set_status(session, "afgerond", facilitator)
    db.session.commit()
    response = client.post(f"/kaarttafel/sessie/{session.id}", data={"theme": "landbouw", "text": "Mijn laatste punt"})
    assert response.status_code == 403
    assert "afgerond".encode() in response.data and b"Mijn laatste punt" in response.data
    response = client.post(f"/kaarttafel/sessie/{session.id}", data={"theme": "landbouw", "text": "x"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.get_json()["code"] == "closed"
    assert db.session.query(Contribution).count() == 0


def test_facilitator_adds_input_on_behalf(make_session, organisations, facilitator, auth, client):
    session = make_session()
    auth.login(facilitator.email)
    page = client.get(f"/kaarttafel/sessie/{session.id}/tafel")
    assert page.status_code == 200 and session.code.encode() in page.data
    lto = organisations["LTO Noord"].id
    response = client.post(f"/kaarttafel/sessie/{session.id}/tafel", data={
        "organisation_id": str(lto), "theme": "landbouw", "text": "Namens LTO", "place": ""})
    assert response.status_code == 302
    item = db.session.query(Contribution).one()
    assert item.organisation_id == lto and item.author_id == facilitator.id
    from participatie.audit.models import AuditEntry
    entry = db.session.query(AuditEntry).filter_by(action="maptable.input_on_behalf").one()
    assert entry.actor_id == facilitator.id and entry.object_id == str(item.id)
    assert "Wijziging van een zone voorstellen" in page.get_data(as_text=True)  # participatie/revisions' form
    bad = client.post(f"/kaarttafel/sessie/{session.id}/tafel", data={
        "organisation_id": str(organisations["Niet Uitgenodigd"].id), "theme": "landbouw", "text": "Niet"})
    assert bad.status_code == 400 and b"Niet" in bad.data
    assert client.get(f"/kaarttafel/sessie/{session.id}/inbreng.json").status_code == 200


def test_status_change_from_the_table(make_session, facilitator, auth, client):
    session = make_session(status="gepland")
    auth.login(facilitator.email)
    response = client.post(f"/beheer/kaarttafel/{session.id}/status", data={"status": "live", "terug": "tafel"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tafel")
    assert services.get_session(session.id).status == "live"


def test_integral_view_and_reports(make_session, organisations, facilitator, auth, client, open_round, layer):
    lto_session, sbb_session = make_session("landbouw"), make_session("natuur")
    zone_a = layer.versions[0].zones[0]
    services.add_input(lto_session, organisation_id=organisations["LTO Noord"].id, theme="landbouw",
                       text="Steun zone A", zone_id=zone_a.id, stance="support")
    services.add_input(sbb_session, organisation_id=organisations["Staatsbosbeheer"].id, theme="natuur",
                       text="Weidevogelgebied", zone_id=zone_a.id, stance="exclude")
    db.session.commit()
    auth.login(facilitator.email)
    url = f"/beheer/rondes/{open_round.slug}/kaarttafel/integraal"
    page = client.get(url).get_data(as_text=True)
    assert "Steun zone A" in page and "Weidevogelgebied" in page and 'data-zone-key="A"' in page
    filtered = client.get(url + "?thema=natuur").get_data(as_text=True).split('id="inputs-title"')[1]
    assert "Weidevogelgebied" in filtered and "Steun zone A" not in filtered
    by_org = client.get(url + f"?organisatie={organisations['LTO Noord'].id}").get_data(as_text=True)
    by_org = by_org.split('id="inputs-title"')[1]
    assert "Steun zone A" in by_org and "Weidevogelgebied" not in by_org
    csv = client.get(f"/beheer/rondes/{open_round.slug}/kaarttafel/verslag.csv")
    assert csv.data.startswith("\ufeff".encode()) and "Weidevogelgebied".encode() in csv.data
    assert csv.mimetype == "text/csv"
    report = client.get(f"/beheer/kaarttafel/{lto_session.id}/verslag").get_data(as_text=True)
    assert "Steun zone A" in report and "Weidevogelgebied" not in report and "Inbreng per organisatie" in report


def test_session_integral_for_participants_only_in_integral_sessions(make_session, organisations, client):
    integral, theme = make_session("integraal"), make_session("landbouw")
    assert client.get(f"/kaarttafel/sessie/{integral.id}/integraal").status_code == 403
    [code] = services.make_participant_codes(integral, organisations["LTO Noord"].id)
    db.session.commit()
    join(client, integral, code)
    assert client.get(f"/kaarttafel/sessie/{integral.id}/integraal").status_code == 200
    assert client.get(f"/kaarttafel/sessie/{theme.id}/integraal").status_code == 404


def test_invitation_link_fills_in_the_code(make_session, client):
    session = make_session()
    page = client.get(f"/kaarttafel/{session.code.lower()}")
    assert page.status_code == 200 and f'value="{session.code}"'.encode() in page.data


def test_staff_find_sessions_from_the_dashboard(make_session, facilitator, auth, client, open_round):
    make_session()
    auth.login(facilitator.email)
    assert "/beheer/kaarttafel" in client.get("/beheer/").get_data(as_text=True)
    page = client.get("/beheer/kaarttafel").get_data(as_text=True)
    assert open_round.title in page and "1 sessie" in page
    assert client.get(f"/beheer/rondes/{open_round.slug}/kaarttafel").status_code == 200
    assert client.get("/beheer/rondes/bestaat-niet/kaarttafel").status_code == 404
