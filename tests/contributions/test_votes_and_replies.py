"""Votes (one per person per target, by constraint), zone votes across layer versions, and replies."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN, OBJECTION, PENDING, PUBLISHED, SUPPORT, Reply, Vote
from participatie.extensions import db
from participatie.rounds import services as rounds
from participatie.rounds.errors import NotFound, Refused, ValidationError

from rounds.conftest import INSIDE, utc, zones_layer


@pytest.fixture
def contribution(open_round, make_user):
    made = contributions.create_contribution(open_round, make_user(), theme="natuur", text="Weidevogels",
                                             geometry=INSIDE)
    db.session.commit()
    return made


def votes() -> int:
    return db.session.scalar(select(func.count()).select_from(Vote))


def zone(layer, key):
    return [z for z in rounds.current_zones(layer.round) if z.key == key][0]


def test_vote_change_and_withdraw(open_round, contribution, resident):
    state = contributions.cast_vote(open_round, resident, SUPPORT, contribution_id=contribution.id)
    assert (state.value, state.support, state.objection) == (SUPPORT, 1, 0)
    state = contributions.cast_vote(open_round, resident, SUPPORT, contribution_id=contribution.id)
    assert (state.support, votes()) == (1, 1)  # voting twice is still one vote
    state = contributions.cast_vote(open_round, resident, OBJECTION, contribution_id=contribution.id)
    assert (state.value, state.support, state.objection, votes()) == (OBJECTION, 0, 1, 1)
    state = contributions.withdraw_vote(open_round, resident, contribution_id=contribution.id)
    assert (state.value, state.support, state.objection, votes()) == (None, 0, 0, 0)
    assert contributions.withdraw_vote(open_round, resident, contribution_id=contribution.id).value is None


def test_second_tab_at_the_same_moment(open_round, contribution, resident, monkeypatch):
    """Both tabs looked and found no vote; the second insert hits the unique constraint and the
    service falls back to the row the first tab made."""
    contributions.cast_vote(open_round, resident, SUPPORT, contribution_id=contribution.id)
    db.session.commit()
    real_find = contributions._find_vote
    calls = []

    def stale_first_look(user, target):
        calls.append(target)
        return None if len(calls) == 1 else real_find(user, target)

    monkeypatch.setattr(contributions, "_find_vote", stale_first_look)
    state = contributions.cast_vote(open_round, resident, OBJECTION, contribution_id=contribution.id)
    db.session.commit()
    assert len(calls) == 2  # the IntegrityError path re-read the vote
    assert (state.value, state.support, state.objection) == (OBJECTION, 0, 1)
    assert db.session.scalars(select(Vote.value)).all() == [OBJECTION]


def test_unique_constraints_are_in_the_database(open_round, contribution, layer, resident):
    db.session.add(Vote(round_id=open_round.id, user_id=resident.id, contribution_id=contribution.id, value=SUPPORT))
    db.session.commit()
    db.session.add(Vote(round_id=open_round.id, user_id=resident.id, contribution_id=contribution.id,
                        value=OBJECTION))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Vote(round_id=open_round.id, user_id=resident.id, layer_id=layer.id, zone_key="A", value=SUPPORT))
    db.session.commit()
    db.session.add(Vote(round_id=open_round.id, user_id=resident.id, layer_id=layer.id, zone_key="A", value=SUPPORT))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("columns", [
    {"layer_id": "layer", "zone_key": "A", "contribution_id": "contribution"},  # two targets
    {},  # no target
    {"contribution_id": "contribution", "value": "maybe"},
])
def test_check_constraints(open_round, contribution, layer, resident, columns):
    values = {"round_id": open_round.id, "user_id": resident.id, "value": SUPPORT}
    for name, value in columns.items():
        values[name] = {"layer": layer.id, "contribution": contribution.id}.get(value, value)
    db.session.add(Vote(**values))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_vote_on_a_closed_round(make_round, resident, open_round, contribution):
    closed = make_round(starts=utc(days=-10), ends=utc(days=-1))
    with pytest.raises(Refused) as info:
        contributions.cast_vote(closed, resident, SUPPORT, contribution_id=contribution.id)
    assert info.value.code == "closed"


def test_vote_when_votes_are_off(make_round, resident):
    round_ = make_round(votes_enabled=False)
    with pytest.raises(Refused) as info:
        contributions.cast_vote(round_, resident, SUPPORT, zone_id=1)
    assert info.value.code == "votes_off"


def test_vote_on_another_rounds_zone_or_contribution(make_round, layer, contribution, resident):
    other = make_round()
    with pytest.raises(Refused) as info:
        contributions.cast_vote(other, resident, SUPPORT, zone_id=zone(layer, "A").id)
    assert info.value.code == "other_round"
    with pytest.raises(NotFound):
        contributions.cast_vote(other, resident, SUPPORT, contribution_id=contribution.id)
    assert votes() == 0


def test_vote_needs_one_valid_target_and_value(open_round, contribution, layer, resident):
    with pytest.raises(ValidationError):
        contributions.cast_vote(open_round, resident, SUPPORT)
    with pytest.raises(ValidationError):
        contributions.cast_vote(open_round, resident, SUPPORT, contribution_id=contribution.id,
                                zone_id=zone(layer, "A").id)
    with pytest.raises(ValidationError):
        contributions.cast_vote(open_round, resident, "maybe", contribution_id=contribution.id)
    with pytest.raises(NotFound):
        contributions.cast_vote(open_round, resident, SUPPORT, zone_id=99999)


def test_no_votes_on_unpublished_contributions(open_round, contribution, resident):
    contribution.status = PENDING
    with pytest.raises(Refused):
        contributions.cast_vote(open_round, resident, SUPPORT, contribution_id=contribution.id)


def test_zone_votes_survive_a_new_layer_version(open_round, layer, resident, make_user):
    other = make_user()
    contributions.cast_vote(open_round, resident, SUPPORT, zone_id=zone(layer, "A").id)
    contributions.cast_vote(open_round, other, OBJECTION, zone_id=zone(layer, "B").id)
    rounds.upload_layer_version(layer, zones_layer(("A", "B", "D"), category="uitgesloten"))
    db.session.commit()
    assert contributions.zone_vote_counts(open_round) == {(layer.id, "A"): (1, 0), (layer.id, "B"): (0, 1)}
    assert contributions.my_zone_votes(open_round, resident) == {(layer.id, "A"): SUPPORT}
    new_a = zone(layer, "A")
    assert new_a.version.number == 2
    state = contributions.cast_vote(open_round, resident, OBJECTION, zone_id=new_a.id)
    assert (state.support, state.objection, votes()) == (0, 1, 2)  # the same vote, changed


def test_layer_without_votes(open_round, resident):
    layer = rounds.add_layer(open_round, "Achtergrond", votable=False)
    rounds.upload_layer_version(layer, zones_layer(("Q",)))
    with pytest.raises(Refused):
        contributions.cast_vote(open_round, resident, SUPPORT, zone_id=zone(layer, "Q").id)


def test_reply(open_round, contribution, resident):
    reply = contributions.add_reply(contribution, resident, "  Mee eens!  ")
    assert (reply.text, reply.status) == ("Mee eens!", PUBLISHED)
    with pytest.raises(ValidationError):
        contributions.add_reply(contribution, resident, "   ")


def test_reply_in_pre_moderated_round_is_pending(make_round, resident, make_user):
    round_ = make_round(moderation="pre")
    contribution = contributions.create_contribution(round_, make_user(), theme="natuur", text="x", geometry=INSIDE)
    contribution.status = PUBLISHED
    assert contributions.add_reply(contribution, resident, "Antwoord").status == PENDING


def test_no_reply_on_hidden_contribution_or_closed_round(open_round, contribution, resident):
    contribution.status = HIDDEN
    with pytest.raises(Refused):
        contributions.add_reply(contribution, resident, "Antwoord")
    contribution.status = PUBLISHED
    open_round.ends_at = open_round.starts_at
    with pytest.raises(Refused) as info:
        contributions.add_reply(contribution, resident, "Antwoord")
    assert info.value.code == "closed"
    assert db.session.scalar(select(func.count()).select_from(Reply)) == 0
