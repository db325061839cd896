"""Revision services: proposing (who, for whom, which zone), deciding (conflicts, also from two
threads at the same moment), making the next version with its zone changes, publishing, comparing,
and the GeoJSON export of a revised version."""
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from participatie.audit.models import AuditEntry
from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN
from participatie.exports import services as exports
from participatie.extensions import db
from participatie.permissions import Role
from participatie.revisions import services
from participatie.revisions.models import ACCEPTED, PROPOSED, REJECTED, Proposal, ZoneChange
from participatie.rounds import services as rounds
from participatie.rounds.errors import NotFound, Refused, ValidationError
from participatie.rounds.models import LayerVersion, Zone
from rounds.conftest import INSIDE

from .conftest import plan_layer_geojson


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def zone_of(version, key) -> Zone:
    return db.session.scalar(select(Zone).where(Zone.layer_version_id == version.id, Zone.key == key))


# --- proposing --------------------------------------------------------------------------------------

def test_facilitator_proposes_on_behalf_of_an_organisation(propose, layer, organisations, map_session, facilitator):
    proposal = propose("A", "uitgesloten", "weidevogelgebied", organisation="Staatsbosbeheer")
    assert (proposal.zone_key, proposal.zone_name, proposal.from_category, proposal.to_category) == (
        "A", "Zone A", "kansrijk", "uitgesloten")
    assert proposal.status == PROPOSED and proposal.reason == "weidevogelgebied"
    assert proposal.organisation_id == organisations["Staatsbosbeheer"].id
    assert proposal.session_id == map_session.id and proposal.created_by_id == facilitator.id
    assert proposal.base_version.number == 1 and proposal.applied_version_id is None
    assert actions() == ["proposal.create"]


def test_facilitator_may_propose_outside_a_session_for_any_organisation(propose):
    proposal = propose("B", "mogelijk", organisation="Niet Uitgenodigd", session=None)
    assert proposal.session_id is None


def test_stakeholder_proposes_for_own_organisation_in_an_invited_session(open_round, layer, stakeholder, organisations,
                                                                          map_session):
    proposal = services.create_proposal(open_round, stakeholder, layer_id=layer.id, zone_key="C",
                                        to_category="uitgesloten", reason="Hier broedt de grutto.",
                                        organisation_id=organisations["LTO Noord"].id, session_id=map_session.id)
    assert proposal.organisation.name == "LTO Noord"


@pytest.mark.parametrize("case", ["other_org", "no_session", "not_invited", "closed"])
def test_stakeholder_refusals(case, open_round, layer, stakeholder, organisations, make_session):
    session = {
        "other_org": lambda: make_session(),
        "no_session": lambda: None,
        "not_invited": lambda: make_session(invited=("Staatsbosbeheer",)),
        "closed": lambda: make_session(status="afgerond"),
    }[case]()
    organisation = organisations["Staatsbosbeheer" if case == "other_org" else "LTO Noord"]
    with pytest.raises(Refused) as refused:
        services.create_proposal(open_round, stakeholder, layer_id=layer.id, zone_key="A", to_category="uitgesloten",
                                 reason="x", organisation_id=organisation.id,
                                 session_id=session.id if session else None)
    assert refused.value.status == (409 if case == "closed" else 403) and str(refused.value.message)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_resident_may_not_propose(open_round, layer, make_user, organisations, map_session):
    with pytest.raises(Refused):
        services.create_proposal(open_round, make_user(), layer_id=layer.id, zone_key="A", to_category="uitgesloten",
                                 reason="x", organisation_id=organisations["LTO Noord"].id, session_id=map_session.id)


def test_session_of_another_round_is_not_found(open_round, make_round, layer, facilitator, organisations,
                                               make_session):
    other = make_session(round_=make_round())
    with pytest.raises(NotFound):
        services.create_proposal(open_round, facilitator, layer_id=layer.id, zone_key="A", to_category="uitgesloten",
                                 reason="x", organisation_id=organisations["LTO Noord"].id, session_id=other.id)


def test_zone_that_is_not_in_the_current_version_is_refused(open_round, layer, facilitator, organisations):
    # Version 2 drops zone D; D was in version 1 but is not in the current version.
    rounds.upload_layer_version(layer, plan_layer_geojson({"A": "kansrijk", "B": "kansrijk", "C": "mogelijk"}))
    db.session.commit()
    for key in ("D", "Z", ""):
        with pytest.raises(ValidationError) as error:
            services.create_proposal(open_round, facilitator, layer_id=layer.id, zone_key=key,
                                     to_category="kansrijk", reason="x",
                                     organisation_id=organisations["LTO Noord"].id)
        assert "zone" in error.value.errors
        assert "versie 2" in str(error.value.errors["zone"])


@pytest.mark.parametrize("values, field", [
    ({"to_category": "verboden"}, "to_category"),  # not a category of the layer
    ({"to_category": "kansrijk"}, "to_category"),  # A is already kansrijk
    ({"reason": "   "}, "reason"),
    ({"reason": "x" * 2001}, "reason"),
    ({"contribution_id": 999}, "contribution"),
    ({"organisation_id": None}, "organisation"),
    ({"layer_id": 999}, "zone"),
])
def test_proposal_validation(values, field, open_round, layer, facilitator, organisations):
    data = {"layer_id": layer.id, "zone_key": "A", "to_category": "uitgesloten", "reason": "weidevogelgebied",
            "organisation_id": organisations["LTO Noord"].id, **values}
    with pytest.raises(ValidationError) as error:
        services.create_proposal(open_round, facilitator, **data)
    assert field in error.value.errors


def test_proposal_may_name_the_input_behind_it(propose, open_round, make_round, resident):
    contribution = contributions.create_contribution(open_round, resident, theme="natuur", text="Weidevogels!",
                                                     geometry=INSIDE)
    db.session.commit()
    proposal = propose(contribution_id=contribution.id)
    assert proposal.contribution_id == contribution.id


def test_same_proposal_twice_is_refused(propose):
    propose()
    with pytest.raises(Refused):
        propose()


# --- deciding ---------------------------------------------------------------------------------------

def test_accept_and_reject_are_recorded_and_audited(propose, analyst):
    first, second = propose("A", "uitgesloten"), propose("B", "mogelijk")
    services.decide(first, analyst, True, "Past in het beleid.")
    services.decide(second, analyst, False, "Geen reden gegeven.")
    db.session.commit()
    assert (first.status, first.decided_by_id, first.decision_note) == (ACCEPTED, analyst.id, "Past in het beleid.")
    assert first.decided_at is not None and first.is_pending_application
    assert second.status == REJECTED
    assert actions() == ["proposal.create", "proposal.create", "proposal.accept", "proposal.reject"]


def test_reject_needs_a_note_and_only_analysts_decide(propose, analyst, facilitator, make_user):
    proposal = propose()
    with pytest.raises(ValidationError):
        services.decide(proposal, analyst, False, "  ")
    for user in (facilitator, make_user(roles=(Role.MODERATOR,))):
        with pytest.raises(Refused):
            services.decide(proposal, user, True)
    services.decide(proposal, make_user(roles=(Role.ADMIN,)), True)
    assert proposal.status == ACCEPTED


def test_a_decided_proposal_cannot_be_decided_again(propose, analyst):
    proposal = propose()
    services.decide(proposal, analyst, True)
    db.session.commit()
    with pytest.raises(Refused) as refused:
        services.decide(proposal, analyst, False, "toch niet")
    assert refused.value.code == "decided"
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).status == ACCEPTED


def test_conflicting_accept_is_refused_and_same_change_is_not(propose, analyst):
    first = propose("A", "uitgesloten", organisation="Staatsbosbeheer")
    rival = propose("A", "mogelijk", "Ruimte voor zon langs de weg", organisation="LTO Noord")
    same = propose("A", "uitgesloten", "Cultuurhistorisch lint", organisation="LTO Noord")
    services.decide(first, analyst, True)
    db.session.commit()
    with pytest.raises(Refused) as refused:
        services.decide(rival, analyst, True)
    assert refused.value.code == "conflict" and "uitgesloten" in str(refused.value.message)
    db.session.rollback()
    assert db.session.get(Proposal, rival.id).status == PROPOSED
    services.decide(same, analyst, True)  # the same change for another reason may be accepted too
    services.decide(rival, analyst, False, "Strijdig met het geaccepteerde voorstel.")
    db.session.commit()
    assert [p.status for p in (first, rival, same)] == [ACCEPTED, REJECTED, ACCEPTED]


def _decide_in_own_context(app, proposal_id, user_id, results, barrier):
    """Decide in a fresh app context (own session and connection), as a second web worker would."""
    from participatie.accounts.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        proposal = db.session.get(Proposal, proposal_id)
        barrier.wait()
        try:
            services.decide(proposal, user, True, "gelijktijdig")
            db.session.commit()
            results.append("accepted")
        except Refused as error:
            db.session.rollback()
            results.append(error.code)
        finally:
            db.session.remove()


def test_two_analysts_accepting_conflicting_changes_at_once(app, propose, analyst, make_user):
    """Two threads accept two different changes of one zone at the same moment: one wins, the other is
    refused with the conflict message, and exactly one is accepted. Repeated on three zones."""
    second_analyst = make_user(roles=(Role.POLICY_ANALYST,))
    for key in ("A", "B", "C"):
        one = propose(key, "uitgesloten" if key != "C" else "kansrijk", organisation="Staatsbosbeheer")
        two = propose(key, "mogelijk" if key != "C" else "uitgesloten", "andere reden", organisation="LTO Noord")
        results, barrier = [], threading.Barrier(2)
        threads = [threading.Thread(target=_decide_in_own_context, args=(app, p.id, u.id, results, barrier))
                   for p, u in ((one, analyst), (two, second_analyst))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["accepted", "conflict"], results
        db.session.expire_all()
        statuses = sorted(db.session.get(Proposal, p.id).status for p in (one, two))
        assert statuses == [ACCEPTED, PROPOSED]


def test_second_decision_waits_for_the_first_transaction(app, propose, analyst):
    """While one decision's transaction is open, a second decision on the same layer cannot slip past
    it: it has to wait (here: it gives up at once), and afterwards it sees the first and is refused."""
    first = propose("A", "uitgesloten", organisation="Staatsbosbeheer")
    rival = propose("A", "mogelijk", organisation="LTO Noord")
    services.decide(first, analyst, True)  # uncommitted: holds the layer lock / the SQLite write lock
    postgres = db.engine.dialect.name == "postgresql"
    with app.app_context():  # a second session on its own connection
        if postgres:
            db.session.execute(text("SET LOCAL lock_timeout = '50ms'"))
        else:
            db.session.execute(text("PRAGMA busy_timeout = 0"))
        with pytest.raises(OperationalError):
            services.decide(db.session.get(Proposal, rival.id), db.session.merge(analyst), True)
        db.session.rollback()
        if not postgres:
            db.session.execute(text("PRAGMA busy_timeout = 10000"))
        db.session.remove()
    db.session.commit()
    with app.app_context():
        with pytest.raises(Refused) as refused:
            services.decide(db.session.get(Proposal, rival.id), db.session.merge(analyst), True)
        assert refused.value.code == "conflict"
        db.session.rollback()
        db.session.remove()


def test_accept_is_refused_when_the_zone_left_the_current_version(propose, analyst, layer):
    proposal = propose("D", "kansrijk")
    rounds.upload_layer_version(layer, plan_layer_geojson({"A": "kansrijk", "B": "kansrijk", "C": "mogelijk"}))
    db.session.commit()
    with pytest.raises(Refused) as refused:
        services.decide(proposal, analyst, True)
    assert refused.value.code == "zone_gone"


# --- the next version -------------------------------------------------------------------------------

def accepted(propose, analyst, *changes):
    made = []
    for key, to, reason, organisation in changes:
        proposal = propose(key, to, reason, organisation=organisation)
        services.decide(proposal, analyst, True, "akkoord")
        made.append(proposal)
    db.session.commit()
    return made


def test_next_version_applies_the_accepted_proposals(propose, analyst, layer, map_session):
    a1, b1, a2 = accepted(propose, analyst, ("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer"),
                          ("B", "mogelijk", "zicht op de Kromme Rijn", "LTO Noord"),
                          ("A", "uitgesloten", "oude verkaveling", "LTO Noord"))
    rejected = propose("C", "uitgesloten", "nee")
    services.decide(rejected, analyst, False, "Niet overtuigend.")
    revision = services.make_next_version(layer, analyst, "Na de themasessies")
    db.session.commit()

    version = revision.version
    assert (version.number, version.published, version.note) == (2, False, "Na de themasessies")
    assert version.feature_count == 4 and revision.skipped == []
    assert services.current_version(layer).number == 1  # unpublished until staff publish it
    assert {(z.key, z.category) for z in version.zones} == {
        ("A", "uitgesloten"), ("B", "mogelijk"), ("C", "mogelijk"), ("D", "uitgesloten")}
    assert zone_of(version, "A").properties["categorie"] == "uitgesloten"
    assert zone_of(version, "A").geometry == zone_of(layer.versions[0], "A").geometry
    stored = {f["id"]: f["properties"]["categorie"] for f in version.geojson["features"]}
    assert stored == {"A": "uitgesloten", "B": "mogelijk", "C": "mogelijk", "D": "uitgesloten"}
    # Version 1 is untouched.
    v1 = db.session.scalar(select(LayerVersion).where(LayerVersion.layer_id == layer.id, LayerVersion.number == 1))
    assert {f["id"]: f["properties"]["categorie"] for f in v1.geojson["features"]}["A"] == "kansrijk"

    changes = {c.zone_key: c for c in db.session.scalars(select(ZoneChange).where(ZoneChange.version_id == version.id))}
    assert set(changes) == {"A", "B"}
    assert (changes["A"].old_category, changes["A"].new_category) == ("kansrijk", "uitgesloten")
    assert [p.id for p in changes["A"].proposals] == [a1.id, a2.id]
    assert [p.id for p in changes["B"].proposals] == [b1.id]
    assert all(p.session_id == map_session.id for p in changes["A"].proposals)
    assert {p.applied_version_id for p in (a1, b1, a2)} == {version.id}
    assert db.session.get(Proposal, rejected.id).applied_version_id is None
    assert actions()[-1] == "layer_version.revise"

    with pytest.raises(Refused) as refused:  # the same proposals are never applied twice
        services.make_next_version(layer, analyst)
    assert refused.value.code == "unpublished"
    services.publish_version(version, analyst)
    db.session.commit()
    assert services.current_version(layer).number == 2 and actions()[-1] == "layer_version.publish"
    with pytest.raises(Refused) as refused:
        services.make_next_version(layer, analyst)
    assert refused.value.code == "nothing"


def test_next_version_refusals(propose, analyst, facilitator, layer):
    with pytest.raises(Refused) as refused:
        services.make_next_version(layer, analyst)
    assert refused.value.code == "nothing"
    accepted(propose, analyst, ("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer"))
    with pytest.raises(Refused):
        services.make_next_version(layer, facilitator)
    with pytest.raises(Refused):
        services.publish_version(layer.versions[0], facilitator)


def test_a_version_made_by_someone_else_at_the_same_moment_is_a_clear_refusal(propose, analyst, layer, monkeypatch):
    """Unique (layer, number): when another version 2 appears between reading and writing, the
    IntegrityError becomes a refusal and nothing of ours is stored."""
    (proposal,) = accepted(propose, analyst, ("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer"))
    rounds.upload_layer_version(layer, plan_layer_geojson(), publish=False)  # someone else's version 2
    db.session.commit()
    monkeypatch.setattr(services, "newest_number", lambda layer_id: 1)  # we read before it was there
    with pytest.raises(Refused) as refused:
        services.make_next_version(layer, analyst)
    assert refused.value.code == "race" and "versie 2" in str(refused.value.message)
    assert db.session.scalar(select(func.count(LayerVersion.id)).where(LayerVersion.layer_id == layer.id)) == 2
    assert db.session.scalar(select(func.count(ZoneChange.id))) == 0
    assert db.session.get(Proposal, proposal.id).applied_version_id is None


def test_accepted_proposal_on_a_zone_gone_from_the_base_is_skipped(propose, analyst, layer):
    a, d = accepted(propose, analyst, ("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer"),
                    ("D", "kansrijk", "geen natuur meer", "LTO Noord"))
    rounds.upload_layer_version(layer, plan_layer_geojson({"A": "kansrijk", "B": "kansrijk", "C": "mogelijk"}))
    db.session.commit()
    revision = services.make_next_version(layer, analyst)
    assert revision.version.number == 3 and [p.id for p in revision.skipped] == [d.id]
    assert [c.zone_key for c in revision.changes] == ["A"]
    assert d.applied_version_id is None


# --- comparing and exporting ------------------------------------------------------------------------

def test_compare_lists_exactly_the_changed_zones_with_reasons(propose, analyst, layer, open_round, resident):
    hidden = contributions.create_contribution(open_round, resident, theme="natuur", text="Verborgen", geometry=INSIDE)
    shown = contributions.create_contribution(open_round, resident, theme="natuur", text="Zichtbaar", geometry=INSIDE)
    db.session.commit()
    for key, to, reason, organisation, contribution in (
            ("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer", shown),
            ("B", "mogelijk", "zicht op de Kromme Rijn", "LTO Noord", hidden)):
        services.decide(propose(key, to, reason, organisation=organisation, contribution_id=contribution.id),
                        analyst, True)
    hidden.status = HIDDEN  # a moderator hid it after the session
    version = services.make_next_version(layer, analyst).version
    services.publish_version(version, analyst)
    db.session.commit()
    v1, v2 = layer.versions[0], version
    compared = services.compare_versions(layer, v1, v2, viewer=None)
    assert [(c.key, c.old_category, c.new_category, c.kind) for c in compared] == [
        ("A", "kansrijk", "uitgesloten", "changed"), ("B", "kansrijk", "mogelijk", "changed")]
    assert [r.proposal.reason for r in compared[0].reasons] == ["weidevogelgebied"]
    assert compared[0].reasons[0].contribution.id == shown.id
    assert compared[1].reasons[0].contribution is None  # hidden input is not shown to visitors
    assert compared[0].anchor == "wijziging-1"
    # Backwards gives the same zones, the other way round.
    assert [(c.key, c.old_category) for c in services.compare_versions(layer, v2, v1)] == [
        ("A", "uitgesloten"), ("B", "mogelijk")]
    assert services.compare_versions(layer, v2, v2) == []


def test_compare_shows_added_and_removed_zones_of_an_upload(layer):
    rounds.upload_layer_version(layer, plan_layer_geojson({"A": "kansrijk", "B": "mogelijk", "E": "kansrijk"}))
    db.session.commit()
    compared = services.compare_versions(layer, layer.versions[0], layer.versions[1])
    assert [(c.key, c.kind) for c in compared] == [("B", "changed"), ("C", "removed"), ("D", "removed"),
                                                   ("E", "added")]
    assert all(c.reasons == [] for c in compared)


def test_revised_version_exports_as_geojson(propose, analyst, layer, open_round):
    accepted(propose, analyst, ("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer"))
    version = services.make_next_version(layer, analyst).version
    db.session.commit()
    data = exports.version_geojson(layer, version)
    assert data["version"] == 2 and data["published"] is False and len(data["features"]) == 4
    assert {f["id"]: f["properties"]["categorie"] for f in data["features"]}["A"] == "uitgesloten"
    archive, zones = exports.layers_zip(open_round)
    assert zones == 8  # versions 1 and 2, four zones each
    assert rounds.layer_feature_collection(version)["features"][0]["properties"]["categorie"] == "uitgesloten"


def test_comparable_layers_for_visitors_and_staff(propose, analyst, layer, open_round, facilitator):
    accepted(propose, analyst, ("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer"))
    services.make_next_version(layer, analyst)
    db.session.commit()
    assert services.comparable_layers(open_round, None) == []
    assert services.comparable_layers(open_round, facilitator) == [(layer, 2)]
    assert [v.number for v in services.visible_versions(layer, None)] == [1]


def _make_version_in_own_context(app, layer_id, user_id, results, barrier):
    from participatie.accounts.models import User
    from participatie.rounds.models import Layer

    with app.app_context():
        user, layer = db.session.get(User, user_id), db.session.get(Layer, layer_id)
        barrier.wait()
        try:
            services.make_next_version(layer, user)
            db.session.commit()
            results.append("made")
        except Refused as error:
            db.session.rollback()
            results.append(error.code)
        finally:
            db.session.remove()


def test_two_analysts_making_the_next_version_at_once(app, propose, analyst, make_user, layer):
    """One version 2 is made; the other attempt is refused; the proposals are applied once."""
    made = accepted(propose, analyst, ("A", "uitgesloten", "weidevogelgebied", "Staatsbosbeheer"),
                    ("B", "mogelijk", "zicht op de Kromme Rijn", "LTO Noord"))
    other = make_user(roles=(Role.POLICY_ANALYST,))
    results, barrier = [], threading.Barrier(2)
    threads = [threading.Thread(target=_make_version_in_own_context, args=(app, layer.id, u.id, results, barrier))
               for u in (analyst, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[0] == "made" and results.count("made") == 1
    assert set(results) - {"made"} <= {"race", "unpublished", "nothing"}, results
    db.session.expire_all()
    assert db.session.scalars(select(LayerVersion.number).where(LayerVersion.layer_id == layer.id)
                              .order_by(LayerVersion.number)).all() == [1, 2]
    version = db.session.scalar(select(LayerVersion).where(LayerVersion.layer_id == layer.id,
                                                           LayerVersion.number == 2))
    assert db.session.scalar(select(func.count(Zone.id)).where(Zone.layer_version_id == version.id)) == 4
    assert db.session.scalar(select(func.count(ZoneChange.id))) == 2
    assert {db.session.get(Proposal, p.id).applied_version_id for p in made} == {version.id}
