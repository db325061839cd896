""""Mijn inbreng": every status in plain words (ontvangen, gepubliceerd, verborgen and afgewezen with
the reason, meegenomen in de samenvatting, beantwoord), replies too, and never anyone else's input."""

from participatie.extensions import db
from participatie.permissions import Role
from participatie.responses import services
from participatie.summaries.models import Summary, SummaryGroup


def publish_summary(round_, ids, visibility="public", version=1):
    summary = Summary(round_id=round_.id, status="published", visibility=visibility, version=version,
                      input_hash="x" * 64, algorithm_version="1.0", content={}, charts={})
    db.session.add(summary)
    db.session.flush()
    db.session.add(SummaryGroup(summary_id=summary.id, key="all", label="Alle inbreng", count=len(ids),
                                ids_blob=SummaryGroup.encode(ids)))
    db.session.commit()
    return summary


def statuses_by_text(user):
    return {item.item.text: item.statuses for item in services.my_input(user)}


def test_each_status(open_round, resident, moderator, add_contribution, add_reply):
    add_contribution(open_round, resident, text="Wacht", status="pending")
    add_contribution(open_round, resident, text="Staat er", status="published")
    add_contribution(open_round, resident, text="Weg", status="hidden", reason="Persoonlijke gegevens")
    add_contribution(open_round, resident, text="Nee", status="rejected", reason="Gaat niet over het plan")
    in_summary = add_contribution(open_round, resident, text="Geteld")
    answered = add_contribution(open_round, resident, text="Beantwoord")
    publish_summary(open_round, [in_summary.id])
    response = services.create_response(open_round, moderator, text="Onze reactie", contribution_ids=[answered.id])
    services.publish_response(response, moderator)
    db.session.commit()

    found = statuses_by_text(resident)
    assert found == {"Wacht": ["received"], "Staat er": ["published"], "Weg": ["hidden"], "Nee": ["rejected"],
                     "Geteld": ["published", "summarised"], "Beantwoord": ["published", "answered"]}
    items = {item.item.text: item for item in services.my_input(resident)}
    assert items["Weg"].reason == "Persoonlijke gegevens"
    assert items["Nee"].reason == "Gaat niet over het plan"
    assert items["Staat er"].reason == ""
    assert [r.text for r in items["Beantwoord"].responses] == ["Onze reactie"]


def test_team_summary_and_draft_response_do_not_count(open_round, resident, moderator, add_contribution):
    contribution = add_contribution(open_round, resident, text="Tekst")
    publish_summary(open_round, [contribution.id], visibility="team")
    services.create_response(open_round, moderator, text="Concept", contribution_ids=[contribution.id])
    db.session.commit()
    assert statuses_by_text(resident) == {"Tekst": ["published"]}


def test_replies_are_listed_with_their_status(open_round, resident, make_user, add_contribution, add_reply):
    other = make_user()
    theirs = add_contribution(open_round, other, text="Van een ander")
    add_reply(theirs, resident, text="Mijn antwoord", status="hidden", reason="Beledigend")
    items = services.my_input(resident)
    assert [(i.kind, i.item.text, i.statuses, i.reason) for i in items] == [
        ("reply", "Mijn antwoord", ["hidden"], "Beledigend")]


def test_page_shows_only_my_own_input(client, auth, open_round, make_user, add_contribution, add_reply):
    me, other = make_user(), make_user()
    add_contribution(open_round, me, text="Mijn eigen inbreng")
    add_contribution(open_round, other, text="Inbreng van iemand anders", status="pending")
    theirs = add_contribution(open_round, other, text="Openbare inbreng van een ander")
    add_reply(theirs, other, text="Antwoord van een ander")
    add_reply(theirs, me, text="Mijn antwoord eronder", status="pending")
    auth.login(me.email)
    html = client.get("/mijn-inbreng").get_data(as_text=True)
    assert "Mijn eigen inbreng" in html and "gepubliceerd" in html
    assert "Mijn antwoord eronder" in html and "ontvangen" in html
    assert "Inbreng van iemand anders" not in html and "Antwoord van een ander" not in html
    assert other.email not in html and other.display_name not in html


def test_page_needs_a_login(client):
    response = client.get("/mijn-inbreng")
    assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"]


def test_reason_is_shown_escaped(client, auth, open_round, resident, add_contribution):
    add_contribution(open_round, resident, text="<b>vet</b>", status="hidden", reason="<script>x</script>")
    auth.login(resident.email)
    html = client.get("/mijn-inbreng").get_data(as_text=True)
    assert "verborgen" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html
    assert "<b>vet</b>" not in html


def test_linked_from_the_header_and_account_page(client, login_as):
    login_as(Role.RESIDENT)
    html = client.get("/account/").get_data(as_text=True)
    assert 'href="/mijn-inbreng"' in html and 'href="/account/meldingen"' in html
