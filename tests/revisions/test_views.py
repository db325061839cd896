"""Revision pages over HTTP: the proposal form and its POST, the staff proposals page, decisions, the
next version and its publication, the public comparison, and who gets 403/404."""
import re

import pytest
from sqlalchemy import func, select

from participatie.extensions import db
from participatie.permissions import Role
from participatie.revisions import services
from participatie.revisions.models import ACCEPTED, PROPOSED, REJECTED, Proposal
from participatie.rounds.models import LayerVersion


def body(response) -> str:
    return response.get_data(as_text=True)


def propose_data(layer, organisation, key="A", to="uitgesloten", reason="weidevogelgebied", session=None, **extra):
    data = {"voorstel-zone": f"{layer.id}:{key}", "voorstel-to_category": to, "voorstel-reason": reason,
            "voorstel-organisation_id": str(organisation.id),
            "voorstel-session_id": str(session.id) if session else "", "voorstel-next": "/"}
    data.update(extra)
    return data


# --- proposing --------------------------------------------------------------------------------------

def test_proposal_form_for_facilitator_lists_zones_categories_and_organisations(client, auth, open_round, layer,
                                                                                  facilitator, organisations,
                                                                                  map_session):
    auth.login(facilitator.email)
    response = client.get(f"/rondes/{open_round.slug}/voorstellen/nieuw?sessie={map_session.id}")
    assert response.status_code == 200
    html = body(response)
    assert 'name="voorstel-zone"' in html and f'value="{layer.id}:A"' in html and "Zone A (kansrijk)" in html
    assert '<option value="uitgesloten">uitgesloten</option>' in html
    assert "LTO Noord" in html and "Staatsbosbeheer" in html
    assert "Niet Uitgenodigd" not in html  # in a session: only the invited organisations


def test_stakeholder_outside_a_session_gets_no_form_and_is_refused(client, auth, open_round, layer, stakeholder,
                                                                   organisations):
    auth.login(stakeholder.email)
    response = client.get(f"/rondes/{open_round.slug}/voorstellen/nieuw")
    assert response.status_code == 200
    assert 'name="voorstel-zone"' not in body(response)
    response = client.post(f"/rondes/{open_round.slug}/voorstellen", data={})  # empty: a form with errors
    assert response.status_code == 400
    response = client.post(f"/rondes/{open_round.slug}/voorstellen",
                           data=propose_data(layer, organisations["LTO Noord"]))
    assert response.status_code == 403 and "kaarttafelsessie" in body(response)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.parametrize("role, status", [(None, 302), (Role.RESIDENT, 403)])
def test_proposal_form_refused_below_stakeholder(role, status, client, login_as, open_round, layer):
    if role:
        login_as(role)
    assert client.get(f"/rondes/{open_round.slug}/voorstellen/nieuw").status_code == status
    assert client.post(f"/rondes/{open_round.slug}/voorstellen", data={}).status_code in (401, 403)


def test_unknown_round_or_session_is_404(client, auth, open_round, layer, facilitator):
    auth.login(facilitator.email)
    assert client.get("/rondes/bestaat-niet/voorstellen/nieuw").status_code == 404
    assert client.get(f"/rondes/{open_round.slug}/voorstellen/nieuw?sessie=999").status_code == 404


def test_stakeholder_proposes_in_session_and_returns_to_the_screen(client, auth, open_round, layer, stakeholder,
                                                                   organisations, map_session):
    auth.login(stakeholder.email)
    data = propose_data(layer, organisations["LTO Noord"], "C", "uitgesloten", "Hier broedt de grutto.",
                        session=map_session, **{"voorstel-next": f"/sessie/{map_session.id}"})
    response = client.post(f"/rondes/{open_round.slug}/voorstellen", data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"/sessie/{map_session.id}"
    proposal = db.session.scalars(select(Proposal)).one()
    assert (proposal.zone_key, proposal.to_category, proposal.organisation.name, proposal.session_id) == (
        "C", "uitgesloten", "LTO Noord", map_session.id)


def test_stakeholder_for_another_organisation_is_refused(client, auth, open_round, layer, stakeholder, organisations,
                                                         map_session):
    auth.login(stakeholder.email)
    response = client.post(f"/rondes/{open_round.slug}/voorstellen",
                           data=propose_data(layer, organisations["Staatsbosbeheer"], session=map_session))
    assert response.status_code == 403
    assert "eigen organisatie" in body(response)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_stakeholder_in_a_closed_session_is_refused(client, auth, open_round, layer, stakeholder, organisations,
                                                    make_session):
    closed = make_session(status="afgerond")
    auth.login(stakeholder.email)
    response = client.post(f"/rondes/{open_round.slug}/voorstellen",
                           data=propose_data(layer, organisations["LTO Noord"], session=closed))
    assert response.status_code == 409 and "afgerond" in body(response)


def test_bad_zone_is_a_clear_400_that_keeps_the_input(client, auth, open_round, layer, facilitator, organisations):
    auth.login(facilitator.email)
    data = propose_data(layer, organisations["LTO Noord"], key="BESTAAT-NIET", reason="Mijn <b>reden</b>")
    response = client.post(f"/rondes/{open_round.slug}/voorstellen", data=data)
    assert response.status_code == 400
    html = body(response)
    assert "Er is iets niet goed ingevuld" in html
    assert "Deze zone bestaat niet in de huidige versie (versie 1)" in html
    assert "Mijn &lt;b&gt;reden&lt;/b&gt;" in html  # kept, escaped
    assert "<title>Fout:" in html
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_missing_fields_are_400(client, auth, open_round, layer, facilitator, organisations):
    auth.login(facilitator.email)
    data = propose_data(layer, organisations["LTO Noord"], reason="", to="")
    response = client.post(f"/rondes/{open_round.slug}/voorstellen", data=data)
    assert response.status_code == 400
    assert "Schrijf waarom de zone moet veranderen." in body(response)


def test_open_redirect_is_not_followed(client, auth, open_round, layer, facilitator, organisations):
    auth.login(facilitator.email)
    data = propose_data(layer, organisations["LTO Noord"], **{"voorstel-next": "//evil.example/"})
    response = client.post(f"/rondes/{open_round.slug}/voorstellen", data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"/rondes/{open_round.slug}"


# --- staff page and decisions -----------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [(None, 302), (Role.RESIDENT, 403), (Role.STAKEHOLDER, 403),
                                          (Role.FACILITATOR, 200), (Role.MODERATOR, 200),
                                          (Role.POLICY_ANALYST, 200), (Role.ADMIN, 200)])
def test_proposals_page_access(role, status, client, login_as, open_round, layer, propose):
    propose()
    if role:
        login_as(role)
    response = client.get(f"/beheer/rondes/{open_round.id}/voorstellen")
    assert response.status_code == status
    if status == 200:
        html = body(response)
        assert "weidevogelgebied" in html and "Staatsbosbeheer" in html
        # Only policy analysts and admins get the decision forms.
        assert ("Besluit opslaan" in html) == (role in (Role.POLICY_ANALYST, Role.ADMIN))


def test_proposals_page_of_unknown_round_is_404(client, auth, analyst):
    auth.login(analyst.email)
    assert client.get("/beheer/rondes/999/voorstellen").status_code == 404


def test_proposals_page_shows_no_email_addresses(client, auth, open_round, layer, propose, stakeholder, analyst,
                                                 organisations, map_session):
    propose(user=stakeholder, organisation="LTO Noord")
    auth.login(analyst.email)
    html = body(client.get(f"/beheer/rondes/{open_round.id}/voorstellen"))
    assert "Boer Jan" in html and stakeholder.email not in html
    assert not re.search(r"[\w.+-]+@example\.org", html.split("<footer")[0].split("</header>")[-1])


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAKEHOLDER, Role.FACILITATOR, Role.MODERATOR])
def test_only_analysts_and_admins_decide(role, client, login_as, open_round, layer, propose):
    proposal = propose()
    login_as(role)
    response = client.post(f"/beheer/rondes/{open_round.id}/voorstellen/{proposal.id}/besluit",
                           data={f"besluit-{proposal.id}-decision": "accept"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == PROPOSED


def test_accept_reject_and_conflict_over_http(client, auth, open_round, layer, propose, analyst):
    first = propose("A", "uitgesloten")
    rival = propose("A", "mogelijk", "zonneweide langs de A12", organisation="LTO Noord")
    auth.login(analyst.email)
    url = f"/beheer/rondes/{open_round.id}/voorstellen/{{}}/besluit"
    response = client.post(url.format(first.id), data={f"besluit-{first.id}-decision": "accept",
                                                       f"besluit-{first.id}-note": "Klopt."})
    assert response.status_code == 302
    response = client.post(url.format(rival.id), data={f"besluit-{rival.id}-decision": "accept"})
    assert response.status_code == 409
    assert "is al een ander voorstel geaccepteerd" in body(response)
    response = client.post(url.format(rival.id), data={f"besluit-{rival.id}-decision": "reject"})
    assert response.status_code == 400 and "Schrijf waarom u het voorstel afwijst." in body(response)
    response = client.post(url.format(rival.id), data={f"besluit-{rival.id}-decision": "reject",
                                                       f"besluit-{rival.id}-note": "Strijdig."})
    assert response.status_code == 302
    db.session.expire_all()
    assert [db.session.get(Proposal, p.id).status for p in (first, rival)] == [ACCEPTED, REJECTED]


def test_proposal_of_another_round_is_404(client, auth, make_round, open_round, layer, propose, analyst):
    proposal = propose()
    other = make_round()
    auth.login(analyst.email)
    response = client.post(f"/beheer/rondes/{other.id}/voorstellen/{proposal.id}/besluit",
                           data={f"besluit-{proposal.id}-decision": "accept"})
    assert response.status_code == 404


# --- versions and the comparison --------------------------------------------------------------------

def test_next_version_publish_and_compare(client, auth, open_round, layer, propose, analyst, resident):
    for key, to, reason, org in (("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer"),
                                 ("B", "mogelijk", "zicht op de Kromme Rijn", "LTO Noord")):
        services.decide(propose(key, to, reason, organisation=org), analyst, True)
    db.session.commit()
    compare_url = f"/rondes/{open_round.slug}/lagen/{layer.id}/vergelijken"
    assert client.get(compare_url).status_code == 404  # one version only

    auth.login(analyst.email)
    response = client.post(f"/beheer/rondes/{open_round.id}/lagen/{layer.id}/volgende-versie",
                           data={f"versie-{layer.id}-note": "Na de sessies"})
    assert response.status_code == 302
    version = db.session.scalar(select(LayerVersion).where(LayerVersion.layer_id == layer.id,
                                                           LayerVersion.number == 2))
    assert version is not None and not version.published
    # Staff see the unpublished comparison; the round page links it for them.
    html = body(client.get(f"{compare_url}?van=1&naar=2"))
    assert html.count('class="compare-row"') == 2 and "niet gepubliceerd" in html
    assert f'/beheer/rondes/{open_round.id}/voorstellen' in body(client.get(f"/rondes/{open_round.slug}"))
    # Making another version now is refused (version 2 is not published).
    response = client.post(f"/beheer/rondes/{open_round.id}/lagen/{layer.id}/volgende-versie", data={})
    assert response.status_code == 409 and "nog niet is gepubliceerd" in body(response)
    auth.logout()

    assert client.get(f"{compare_url}?van=1&naar=2").status_code == 404  # visitors: unpublished is not there
    auth.login(resident.email)
    assert client.post(f"/beheer/rondes/{open_round.id}/lagen/{layer.id}/versies/2/publiceren").status_code == 403
    auth.logout()
    auth.login(analyst.email)
    assert client.post(f"/beheer/rondes/{open_round.id}/lagen/{layer.id}/versies/2/publiceren",
                       data={"published": "1"}).status_code == 302
    assert client.post(f"/beheer/rondes/{open_round.id}/lagen/{layer.id}/versies/9/publiceren").status_code == 404
    auth.logout()

    response = client.get(compare_url)  # defaults: previous → current
    assert response.status_code == 200
    html = body(response)
    assert html.count('class="compare-row"') == 2
    assert "Zone A" in html and "Zone B" in html and "Zone C" not in html
    assert "weidevogelgebied" in html and "zicht op de Kromme Rijn" in html and "namens Staatsbosbeheer" in html
    assert "Themasessie natuur" in html
    assert "@example.org" not in html and "Gespreksleider" not in html  # no names of people
    assert 'class="map"' in html  # the map of the changed zones
    assert client.get(f"{compare_url}?van=1&naar=7").status_code == 404
    assert client.get(f"/rondes/{open_round.slug}/lagen/999/vergelijken").status_code == 404
    # The round page links the comparison now that two versions are published.
    assert f'href="{compare_url}"' in body(client.get(f"/rondes/{open_round.slug}"))
    # Version 2's GeoJSON is public now.
    data = client.get(f"/rondes/{open_round.slug}/lagen/{layer.id}/versies/2.geojson").get_json()
    assert {f["id"]: f["properties"]["categorie"] for f in data["features"]}["A"] == "uitgesloten"


def test_round_page_has_no_comparison_link_with_one_version(client, open_round, layer):
    html = body(client.get(f"/rondes/{open_round.slug}"))
    assert "/vergelijken" not in html and "/voorstellen" not in html
