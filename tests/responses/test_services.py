"""Responses as services: drafts, publishing, groups (numbers and zones), refusals on input that is
not published (audit-logged), and who may write them."""
import pytest
from sqlalchemy import select

from participatie.audit.models import AuditEntry
from participatie.extensions import db
from participatie.responses import services
from participatie.rounds import services as rounds
from participatie.rounds.errors import Refused, ValidationError
from participatie.signals import response_published


def audit_actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_draft_is_invisible_until_published_and_publishing_sends_the_signal(open_round, resident, moderator,
                                                                          add_contribution):
    contribution = add_contribution(open_round, resident)
    response = services.create_response(open_round, moderator, text="  Wij nemen dit mee.  ",
                                        phase_label="na vaststelling", contribution_ids=str(contribution.id))
    db.session.commit()
    assert response.status == "draft" and response.text == "Wij nemen dit mee."
    assert response.phase_label == "na vaststelling"
    assert [c.id for c in response.contributions] == [contribution.id]
    assert services.published_for([contribution.id]) == {}

    heard = []
    receiver = lambda sender, **kw: heard.append((sender.id, kw["actor"].id))  # noqa: E731
    response_published.connect(receiver)
    try:
        services.publish_response(response, moderator)
        db.session.commit()
    finally:
        response_published.disconnect(receiver)
    assert heard == [(response.id, moderator.id)]
    assert response.is_published and response.published_by_id == moderator.id
    assert services.published_for([contribution.id])[contribution.id] == [response]
    assert audit_actions() == ["response.created", "response.published"]


def test_policy_analyst_may_respond_residents_may_not(open_round, resident, analyst, add_contribution):
    contribution = add_contribution(open_round, resident)
    assert services.create_response(open_round, analyst, text="Dank u.", contribution_ids=[contribution.id])
    with pytest.raises(Refused):
        services.create_response(open_round, resident, text="Ik ben de provincie", contribution_ids=[contribution.id])


def test_group_response_by_numbers(open_round, resident, moderator, add_contribution):
    first, second = add_contribution(open_round, resident), add_contribution(open_round, resident, text="Twee")
    response = services.create_response(open_round, moderator, text="Voor u allebei.",
                                        contribution_ids=f"{second.id}, {first.id} {second.id}")
    assert [c.id for c in response.contributions] == sorted([first.id, second.id])


def test_zone_response_answers_only_the_published_input_of_that_zone(open_round, layer, resident, moderator,
                                                                     add_contribution):
    zone_a, zone_b = rounds.current_zones(open_round)[:2]
    in_a = add_contribution(open_round, resident, zone=zone_a)
    add_contribution(open_round, resident, zone=zone_a, status="pending")
    add_contribution(open_round, resident, zone=zone_a, status="hidden")
    add_contribution(open_round, resident, zone=zone_b)
    response = services.create_response(open_round, moderator, text="Over zone A.", zone_id=str(zone_a.id))
    assert [c.id for c in response.contributions] == [in_a.id]
    assert response.zone_name == zone_a.name


@pytest.mark.parametrize("status", ["hidden", "rejected", "pending"])
def test_response_on_input_that_is_not_published_is_refused_and_logged(open_round, resident, moderator,
                                                                      add_contribution, status):
    visible = add_contribution(open_round, resident)
    blocked = add_contribution(open_round, resident, status=status)
    with pytest.raises(Refused) as caught:
        services.create_response(open_round, moderator, text="Reactie", contribution_ids=[visible.id, blocked.id])
    assert caught.value.code == "not_published"
    db.session.commit()  # as the views do: the refusal's audit entry stays
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "response.refused"))
    assert entry.actor_id == moderator.id and entry.details["contributions"] == [blocked.id]
    assert entry.details["statuses"] == [status]
    assert db.session.scalar(select(services.Response)) is None


def test_publishing_is_refused_when_the_input_was_hidden_since(open_round, resident, moderator, add_contribution):
    contribution = add_contribution(open_round, resident)
    response = services.create_response(open_round, moderator, text="Reactie", contribution_ids=[contribution.id])
    db.session.commit()
    contribution.status = "hidden"
    db.session.commit()
    with pytest.raises(Refused):
        services.publish_response(response, moderator)
    db.session.commit()
    assert response.is_draft
    assert "response.refused" in audit_actions()


def test_published_response_cannot_change_be_deleted_or_published_again(open_round, resident, moderator,
                                                                         add_contribution):
    contribution = add_contribution(open_round, resident)
    response = services.create_response(open_round, moderator, text="Eerste", contribution_ids=[contribution.id])
    services.update_response(response, moderator, text="Tweede", phase_label="ontwerp")
    assert response.text == "Tweede"
    services.publish_response(response, moderator)
    db.session.commit()
    for attempt in (lambda: services.update_response(response, moderator, text="Derde"),
                    lambda: services.publish_response(response, moderator),
                    lambda: services.delete_draft(response, moderator)):
        with pytest.raises(Refused):
            attempt()
    update = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "response.updated"))
    assert update.details["before"]["text"] == "Eerste" and update.details["after"]["text"] == "Tweede"


@pytest.mark.parametrize("value, errors", [
    ("", {"contributions", "text"}),
    ("12, abc", {"contributions"}),
    ("999999", {"contributions"}),
])
def test_bad_input_names_every_field(open_round, moderator, value, errors):
    with pytest.raises(ValidationError) as caught:
        services.create_response(open_round, moderator, text="" if "text" in errors else "Tekst",
                                 contribution_ids=value)
    assert set(caught.value.errors) == errors


def test_contribution_of_another_round_is_not_answered(open_round, make_round, resident, moderator,
                                                       add_contribution):
    elsewhere = add_contribution(make_round(), resident)
    with pytest.raises(ValidationError) as caught:
        services.create_response(open_round, moderator, text="Tekst", contribution_ids=[elsewhere.id])
    assert "contributions" in caught.value.errors


def test_features_carry_only_published_responses(open_round, resident, moderator, add_contribution):
    contribution = add_contribution(open_round, resident)
    response = services.create_response(open_round, moderator, text="Concept", contribution_ids=[contribution.id])
    collection = {"features": [{"id": contribution.id, "properties": {}}]}
    assert "responses" not in services.add_to_features(collection)["features"][0]["properties"]
    services.publish_response(response, moderator)
    collection = {"features": [{"id": contribution.id, "properties": {}}]}
    assert services.add_to_features(collection)["features"][0]["properties"]["responses"][0]["text"] == "Concept"
