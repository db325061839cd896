"""Responses over HTTP: who may write them (403 for residents, login for visitors), the form with
its errors, refusals on hidden input, and where published responses show (contribution page, list,
GeoJSON) — drafts never."""
import pytest
from sqlalchemy import select

from participatie.audit.models import AuditEntry
from participatie.extensions import db
from participatie.permissions import Role
from participatie.responses import services
from participatie.responses.models import Response


def new_url(round_):
    return f"/rondes/{round_.slug}/reacties/nieuw"


@pytest.mark.parametrize("role, status", [
    (Role.RESIDENT, 403), (Role.STAKEHOLDER, 403), (Role.FACILITATOR, 403),
    (Role.MODERATOR, 200), (Role.POLICY_ANALYST, 200), (Role.ADMIN, 200),
])
def test_who_may_open_the_response_pages(client, login_as, open_round, role, status):
    login_as(role)
    assert client.get(f"/rondes/{open_round.slug}/reacties").status_code == status
    assert client.get(new_url(open_round)).status_code == status


def test_visitors_are_sent_to_log_in_and_cannot_post(client, open_round):
    assert client.get(new_url(open_round)).status_code == 302
    assert client.post(new_url(open_round), data={"text": "x"}).status_code == 401


def test_a_resident_forging_the_post_is_refused(client, login_as, open_round, resident, add_contribution):
    contribution = add_contribution(open_round, resident)
    login_as(Role.RESIDENT)
    response = client.post(new_url(open_round), data={"text": "Nep", "contributions": str(contribution.id)})
    assert response.status_code == 403
    assert db.session.scalar(select(Response)) is None


def test_moderator_writes_and_publishes_a_response(client, login_as, open_round, resident, add_contribution):
    contribution = add_contribution(open_round, resident, text="Geen panelen bij de molen.")
    login_as(Role.MODERATOR)
    page = client.get(f"{new_url(open_round)}?inbreng={contribution.id}")
    assert "Geen panelen bij de molen." in page.get_data(as_text=True)  # what it answers, shown
    created = client.post(new_url(open_round), data={
        "text": "We houden 500 meter afstand tot de molen.", "phase_label": "na vaststelling",
        "contributions": str(contribution.id), "zone": ""})
    assert created.status_code == 302
    response = db.session.scalar(select(Response))
    detail_url = f"/rondes/{open_round.slug}/inbreng/{contribution.id}"
    assert "We houden 500 meter" not in client.get(detail_url).get_data(as_text=True)  # a draft: not shown

    assert client.post(f"/rondes/{open_round.slug}/reacties/{response.id}/publiceren").status_code == 302
    db.session.refresh(response)
    assert response.is_published
    html = client.get(detail_url).get_data(as_text=True)
    assert "Reactie van de provincie" in html and "We houden 500 meter" in html and "na vaststelling" in html
    listing = client.get(f"/rondes/{open_round.slug}/inbreng").get_data(as_text=True)
    assert "We houden 500 meter" in listing


def test_response_shows_for_visitors_and_in_the_geojson(client, open_round, resident, moderator, add_contribution):
    contribution = add_contribution(open_round, resident)
    draft = services.create_response(open_round, moderator, text="Nog een concept", contribution_ids=[contribution.id])
    db.session.commit()
    url = f"/rondes/{open_round.slug}/inbreng.geojson?bbox=5.0,52.0,5.3,52.2"
    feature = client.get(url).get_json()["features"][0]
    assert "responses" not in feature["properties"]
    services.publish_response(draft, moderator)
    db.session.commit()
    feature = client.get(url).get_json()["features"][0]
    assert feature["properties"]["responses"][0]["text"] == "Nog een concept"
    html = client.get(f"/rondes/{open_round.slug}/inbreng/{contribution.id}").get_data(as_text=True)
    assert "Nog een concept" in html


def test_form_errors_answer_400_and_keep_the_text(client, login_as, open_round):
    login_as(Role.MODERATOR)
    response = client.post(new_url(open_round), data={"text": "Mijn getypte tekst", "contributions": "abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mijn getypte tekst" in html and "error-summary" in html


def test_response_on_hidden_input_is_refused_and_logged(client, login_as, open_round, resident, add_contribution):
    hidden = add_contribution(open_round, resident, status="hidden", reason="Scheldwoorden")
    moderator = login_as(Role.MODERATOR)
    response = client.post(new_url(open_round), data={"text": "Reactie", "contributions": str(hidden.id)})
    assert response.status_code == 403
    assert "verborgen of afgewezen" in response.get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "response.refused"))
    assert entry is not None and entry.actor_id == moderator.id
    assert db.session.scalar(select(Response)) is None


def test_response_of_another_round_is_404(client, login_as, open_round, make_round, resident, moderator,
                                          add_contribution):
    other = make_round()
    response = services.create_response(other, moderator, text="Elders",
                                        contribution_ids=[add_contribution(other, resident).id])
    db.session.commit()
    login_as(Role.MODERATOR)
    assert client.get(f"/rondes/{open_round.slug}/reacties/{response.id}").status_code == 404
    assert client.post(f"/rondes/{open_round.slug}/reacties/{response.id}/publiceren").status_code == 404
    assert client.get(f"/rondes/{other.slug}/reacties/{response.id}").status_code == 200


def test_draft_can_be_changed_and_deleted(client, login_as, open_round, resident, moderator, add_contribution):
    draft = services.create_response(open_round, moderator, text="Eerst",
                                     contribution_ids=[add_contribution(open_round, resident).id])
    db.session.commit()
    login_as(Role.POLICY_ANALYST)
    url = f"/rondes/{open_round.slug}/reacties/{draft.id}"
    assert client.post(url, data={"text": "Daarna", "phase_label": ""}).status_code == 302
    db.session.refresh(draft)
    assert draft.text == "Daarna"
    assert client.post(url, data={"text": ""}).status_code == 400
    assert client.post(f"{url}/verwijderen").status_code == 302
    db.session.expire_all()
    assert db.session.get(Response, draft.id) is None
