"""maptable.services: planning, codes, joining, input, the live feed, conflicts and reports."""
from datetime import datetime, timedelta

import pytest

from participatie.accounts.models import utcnow
from participatie.audit.models import AuditEntry
from participatie.contributions.models import Contribution, Vote
from participatie.extensions import db
from participatie.maptable import services
from participatie.maptable.models import ParticipantCode
from participatie.rounds import services as rounds
from participatie.rounds.errors import NotFound, Refused, ValidationError


def zone(layer, key):
    return next(z for z in rounds.current_zones(layer.round) if z.key == key)


def test_create_session_stores_utc_and_a_code_without_ambiguous_letters(make_session, facilitator):
    session = make_session()
    # 14:00 in Amsterdam in March (winter time) is 13:00 UTC.
    assert session.starts_at == datetime(2026, 3, 12, 13, 0)
    assert len(session.code) == 6 and not set(session.code) & set("01OIL2Z5S8B")
    assert [u.id for u in session.facilitators] == [facilitator.id]
    assert db.session.query(AuditEntry).filter_by(action="maptable.create").count() == 1


def test_create_session_refuses_bad_input(open_round, layer, facilitator):
    with pytest.raises(ValidationError) as caught:
        services.create_session(open_round, facilitator, title=" ", theme="weer", starts_at=None,
                                facilitator_ids=[99999], organisation_ids=["x", 12345])
    assert set(caught.value.errors) >= {"title", "theme", "starts_at", "facilitator_ids", "organisation_ids"}


def test_integral_theme_allowed(make_session):
    assert make_session(theme="integraal").is_integral


def test_session_code_lookup(make_session):
    session = make_session()
    assert services.session_by_code(" " + session.code.lower()[:3] + "-" + session.code[3:]) == session
    with pytest.raises(NotFound):
        services.session_by_code("XXXXXX")
    services.set_status(session, "afgerond")
    with pytest.raises(Refused) as caught:
        services.session_by_code(session.code)
    assert caught.value.code == "closed"


def test_participant_code_is_one_time_and_only_hashed(make_session, organisations):
    session = make_session()
    [code] = services.make_participant_codes(session, organisations["Staatsbosbeheer"].id)
    db.session.commit()
    stored = db.session.query(ParticipantCode).one()
    assert code.replace("-", "") not in stored.code_hash and len(stored.code_hash) == 64
    grant = services.join_with_code(session, code.lower())
    assert grant.organisation_id == organisations["Staatsbosbeheer"].id and grant.user_id is None
    with pytest.raises(Refused) as caught:
        services.join_with_code(session, code)
    assert caught.value.code == "used"


def test_participant_code_wrong_expired_or_other_session(make_session, organisations):
    session, other = make_session(), make_session(theme="natuur")
    [code] = services.make_participant_codes(session, organisations["LTO Noord"].id)
    with pytest.raises(ValidationError):
        services.join_with_code(session, "AAAA-AAAA-AAAA")
    with pytest.raises(ValidationError):
        services.join_with_code(other, code)
    with pytest.raises(Refused) as caught:
        services.join_with_code(session, code, now=utcnow() + timedelta(days=400))
    assert caught.value.code == "expired"


def test_codes_only_for_invited_organisations(make_session, organisations):
    session = make_session()
    with pytest.raises(ValidationError):
        services.make_participant_codes(session, organisations["Niet Uitgenodigd"].id)
    with pytest.raises(ValidationError):
        services.make_participant_codes(session, organisations["LTO Noord"].id, count=0)


def test_join_with_account(make_session, stakeholder, make_user, organisations):
    from participatie.permissions import Role
    session = make_session()
    assert services.join_with_account(session, stakeholder).organisation_id == organisations["LTO Noord"].id
    outsider = make_user(roles=(Role.STAKEHOLDER,), organisation=organisations["Niet Uitgenodigd"])
    with pytest.raises(Refused) as caught:
        services.join_with_account(session, outsider)
    assert caught.value.code == "not_invited"
    resident = make_user()
    with pytest.raises(Refused):
        services.join_with_account(session, resident)


def test_add_input_marks_channel_session_and_organisation(make_session, organisations, layer):
    session = make_session()
    item = services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="landbouw",
                              text="Weidevogelgebied", zone_id=zone(layer, "A").id, stance="exclude")
    db.session.commit()
    assert (item.channel, item.session_id, item.organisation_id, item.stance) == (
        "kaarttafel", session.id, organisations["LTO Noord"].id, "exclude")
    assert item.author_id is None and item.zone.key == "A"


def test_add_input_refused_when_closed_planned_or_not_invited(make_session, organisations):
    session = make_session(status="afgerond")
    with pytest.raises(Refused) as caught:
        services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="landbouw", text="x")
    assert caught.value.code == "closed"
    planned = make_session(status="gepland")
    with pytest.raises(Refused):
        services.add_input(planned, organisation_id=organisations["LTO Noord"].id, theme="landbouw", text="x")
    live = make_session()
    with pytest.raises(ValidationError) as caught:
        services.add_input(live, organisation_id=organisations["Niet Uitgenodigd"].id, theme="landbouw", text="x")
    assert "organisation_id" in caught.value.errors
    with pytest.raises(ValidationError):
        services.add_input(live, organisation_id=organisations["LTO Noord"].id, theme="landbouw", text="x",
                           stance="misschien")
    assert db.session.query(Contribution).count() == 0


def test_feed_returns_only_newer_input_and_integral_sees_all_sessions(make_session, organisations):
    a, b = make_session("landbouw"), make_session("natuur")
    integral = make_session("integraal")
    first = services.add_input(a, organisation_id=organisations["LTO Noord"].id, theme="landbouw", text="een")
    second = services.add_input(b, organisation_id=organisations["Staatsbosbeheer"].id, theme="natuur", text="twee")
    db.session.commit()
    assert [i["id"] for i in services.feed(a)["items"]] == [first.id]
    assert services.feed(a, after_id=first.id)["items"] == []
    assert services.feed(a, after_id=first.id)["last"] == first.id
    data = services.feed(integral)
    assert [i["organisation"] for i in data["items"]] == ["LTO Noord", "Staatsbosbeheer"]
    assert data["last"] == second.id and data["status"] == "live"


def test_conflicts_need_two_different_organisations(make_session, organisations, layer, make_user):
    from participatie.permissions import Role
    session = make_session()
    a, b = zone(layer, "A"), zone(layer, "B")
    services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="landbouw",
                       text="Goede plek", zone_id=a.id, stance="support")
    services.add_input(session, organisation_id=organisations["Staatsbosbeheer"].id, theme="landbouw",
                       text="Weidevogels", zone_id=a.id, stance="exclude")
    # Zone B: one organisation for and against itself is no conflict…
    services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="landbouw",
                       text="voor", zone_id=b.id, stance="support")
    services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="landbouw",
                       text="tegen", zone_id=b.id, stance="objection")
    db.session.commit()
    result = services.conflicts(layer.round)
    assert [c.zone.key for c in result] == ["A"]
    assert set(result[0].supporters) == {"LTO Noord"} and set(result[0].opponents) == {"Staatsbosbeheer"}
    # …until a member of another organisation votes objection on it.
    member = make_user(roles=(Role.STAKEHOLDER,), organisation=organisations["Het Utrechts Landschap"])
    db.session.add(Vote(round_id=layer.round_id, user_id=member.id, layer_id=layer.id, zone_key="B",
                        value="objection"))
    db.session.commit()
    assert [c.zone.key for c in services.conflicts(layer.round)] == ["A", "B"]


def test_integral_view_filters(make_session, organisations, open_round):
    for theme, name in (("landbouw", "LTO Noord"), ("natuur", "Staatsbosbeheer")):
        s = make_session(theme)
        services.add_input(s, organisation_id=organisations[name].id, theme=theme, text=f"over {theme}")
    db.session.commit()
    assert len(services.integral_view(open_round).items) == 2
    assert [i["text"] for i in services.integral_view(open_round, theme="natuur").items] == ["over natuur"]
    lto = organisations["LTO Noord"].id
    assert [i["text"] for i in services.integral_view(open_round, organisation_id=lto).items] == ["over landbouw"]
    assert services.integral_view(open_round, theme="onbekend").theme == ""


def test_report_counts_and_csv(make_session, organisations):
    session = make_session()
    services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="landbouw", text="=1+1")
    services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="natuur", text="b")
    db.session.commit()
    report = services.session_report(session)
    assert report.by_theme == {"landbouw": 1, "natuur": 1}
    assert report.by_organisation == {"LTO Noord": 2}
    text = services.report_csv(report)
    assert text.splitlines()[0].startswith("id;sessie;thema;organisatie")
    assert "'=1+1" in text  # no formula injection


def test_counts_by_organisation(make_session, organisations, open_round):
    session = make_session()
    services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="landbouw", text="a")
    db.session.commit()
    assert services.session_counts_by_organisation(open_round) == {"LTO Noord": 1}


def test_a_proposal_to_exclude_counts_as_opposing(make_session, organisations, layer):
    from participatie.revisions.models import Proposal

    session = make_session()
    c = zone(layer, "C")
    services.add_input(session, organisation_id=organisations["LTO Noord"].id, theme="landbouw",
                       text="Prima plek", zone_id=c.id, stance="support")
    db.session.add(Proposal(round_id=layer.round_id, layer_id=layer.id, zone_key="C", zone_name=c.name,
                            base_version_id=c.layer_version_id, from_category="kansrijk", to_category="uitgesloten",
                            reason="weidevogelgebied", organisation_id=organisations["Staatsbosbeheer"].id,
                            session_id=session.id))
    db.session.commit()
    [conflict] = services.conflicts(layer.round)
    assert conflict.zone.key == "C" and "Staatsbosbeheer" in conflict.opponents
    report = services.session_report(session)
    assert [(p["zone"], p["new"], p["reason"], p["status"]) for p in report.proposals] == [
        (c.name, "uitgesloten", "weidevogelgebied", "nog niet besloten")]
    assert "weidevogelgebied" in services.report_csv(report)
    # A rejected proposal no longer counts.
    db.session.query(Proposal).update({"status": "rejected"})
    db.session.commit()
    assert services.conflicts(layer.round) == []
