"""Reading: who sees what (pending and hidden input), the list with filters and sorting, the map's
GeoJSON by bounding box, a contribution's page, and a constant number of queries however big a round is."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN, OBJECTION, PENDING, PUBLISHED, REJECTED, SUPPORT
from participatie.extensions import db
from participatie.rounds import demo
from participatie.rounds import services as rounds
from participatie.rounds.errors import ValidationError

from rounds.conftest import zones_layer


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.fixture
def author(make_user):
    return make_user(display_name="Auteur")


@pytest.fixture
def mixed(open_round, author):
    """One contribution in each status, all by `author`, all at different places."""
    made = {}
    for i, status in enumerate((PUBLISHED, PENDING, HIDDEN, REJECTED)):
        c = contributions.create_contribution(open_round, author, theme="natuur", text=f"Tekst {status}",
                                              geometry=point(5.1 + i * 0.01, 52.1))
        c.status = status
        made[status] = c
    db.session.commit()
    return made


def ids_in_list(round_, viewer):
    return {row.contribution.id for row in contributions.list_contributions(round_, viewer).rows}


def ids_on_map(round_, viewer):
    return {f["id"] for f in contributions.contributions_geojson(round_, "4,51,6,53", viewer)["features"]}


def test_pending_and_hidden_only_for_author_and_moderators(open_round, mixed, author, resident, moderator):
    from flask_login import AnonymousUserMixin

    everyone = {mixed[PUBLISHED].id}
    every = {c.id for c in mixed.values()}
    for viewer, expected in ((None, everyone), (AnonymousUserMixin(), everyone), (resident, everyone),
                             (author, every), (moderator, every)):
        assert ids_in_list(open_round, viewer) == expected
        assert ids_on_map(open_round, viewer) == expected
        assert {s for s, c in mixed.items() if contributions.get_contribution(open_round, c.id, viewer)} == {
            s for s, c in mixed.items() if c.id in expected}
    # Counts only count published input, also for the author.
    assert contributions.round_totals(open_round).total == 1
    assert contributions.list_contributions(open_round, resident).total == 1
    own = contributions.contributions_geojson(open_round, "4,51,6,53", author)["features"]
    assert {f["properties"].get("status") for f in own} == {None, PENDING, HIDDEN, REJECTED}


def test_reply_visibility_and_counts(open_round, mixed, author, resident, moderator, make_user):
    contribution = mixed[PUBLISHED]
    replier = make_user()
    published = contributions.add_reply(contribution, replier, "Gepubliceerd")
    pending = contributions.add_reply(contribution, replier, "Wacht")
    pending.status = PENDING
    db.session.commit()
    detail = contributions.contribution_detail(open_round, contribution.id, resident)
    assert [r.reply.id for r in detail.replies] == [published.id]
    assert detail.row.counts.replies == 1
    assert len(contributions.contribution_detail(open_round, contribution.id, replier).replies) == 2
    assert len(contributions.contribution_detail(open_round, contribution.id, moderator).replies) == 2
    [feature] = contributions.contributions_geojson(open_round, "4,51,6,53")["features"]
    assert feature["properties"]["replies"] == 1
    assert contributions.contribution_detail(open_round, mixed[HIDDEN].id, resident) is None


def test_contribution_detail_permissions(open_round, mixed, author, resident):
    detail = contributions.contribution_detail(open_round, mixed[PUBLISHED].id, author)
    assert detail.can_edit and detail.can_reply and detail.can_vote
    assert detail.row.author_name == "Auteur"
    other = contributions.contribution_detail(open_round, mixed[PUBLISHED].id, resident)
    assert not other.can_edit and other.can_vote
    assert not contributions.contribution_detail(open_round, mixed[PUBLISHED].id, None).can_vote
    open_round.ends_at = open_round.starts_at  # closed
    closed = contributions.contribution_detail(open_round, mixed[PUBLISHED].id, author)
    assert not (closed.can_edit or closed.can_reply or closed.can_vote)


def test_list_filters_sorting_and_pages(open_round, layer, author, make_user):
    voters = [make_user() for _ in range(3)]
    zone_a = [z for z in layer.versions[0].zones if z.key == "A"][0]
    in_a = contributions.create_contribution(open_round, author, theme="natuur", text="In A", zone_id=zone_a.id)
    popular = contributions.create_contribution(open_round, author, theme="landbouw", text="Populair",
                                                geometry=point(5.2, 52.15))
    rest = [contributions.create_contribution(open_round, author, theme="landschap", text=f"Nummer {i}",
                                              geometry=point(5.2, 52.12)) for i in range(25)]
    for voter in voters:
        contributions.cast_vote(open_round, voter, SUPPORT, contribution_id=popular.id)
    contributions.cast_vote(open_round, voters[0], SUPPORT, contribution_id=in_a.id)
    contributions.cast_vote(open_round, voters[1], OBJECTION, contribution_id=in_a.id)
    db.session.commit()

    assert [r.contribution.id for r in contributions.list_contributions(open_round, theme="landbouw").rows] == [
        popular.id]
    top = contributions.list_contributions(open_round, sort="supported", per_page=2).rows
    assert [r.contribution.id for r in top] == [popular.id, in_a.id]
    assert (top[0].counts.support, top[1].counts.support, top[1].counts.objection) == (3, 1, 1)
    newest = contributions.list_contributions(open_round, per_page=10)
    assert newest.total == 27 and newest.pages == 3 and newest.rows[0].contribution.id == rest[-1].id
    last = contributions.list_contributions(open_round, per_page=10, page=99)
    assert last.page == 3 and len(last.rows) == 7 and not last.has_next and last.has_prev
    mine = contributions.list_contributions(open_round, voters[0], sort="supported", per_page=2)
    assert [r.my_vote for r in mine.rows] == [SUPPORT, SUPPORT]

    # The zone filter follows the zone (layer + key) into a new version of the layer.
    rounds.upload_layer_version(layer, zones_layer(("A", "B")))
    db.session.commit()
    new_a = [z for z in rounds.current_zones(open_round) if z.key == "A"][0]
    assert new_a.id != zone_a.id
    for zone_id in (zone_a.id, new_a.id, str(new_a.id)):
        rows = contributions.list_contributions(open_round, zone_id=zone_id).rows
        assert [r.contribution.id for r in rows] == [in_a.id] and rows[0].zone_name == "Zone A"


def test_geojson_by_bounding_box_with_limit(open_round, author):
    for i in range(5):
        contributions.create_contribution(open_round, author, theme="natuur", text="x " * 200,
                                          geometry=point(5.05 + i * 0.01, 52.05))
    line = contributions.create_contribution(
        open_round, author, theme="natuur", text="Lijn",
        geometry={"type": "LineString", "coordinates": [[5.20, 52.10], [5.25, 52.15]]})
    db.session.commit()
    # The line's bounding box meets this view although neither end point lies in it.
    crossing = contributions.contributions_geojson(open_round, "5.21,52.11,5.24,52.14")
    assert [f["id"] for f in crossing["features"]] == [line.id] and not crossing["truncated"]
    some = contributions.contributions_geojson(open_round, "5.0,52.0,5.1,52.1", limit=3)
    assert some["numberReturned"] == 3 and some["truncated"]
    props = some["features"][0]["properties"]
    assert len(props["text"]) <= contributions.SHORT_TEXT and props["text"].endswith("…")
    assert props["url"] == f"/rondes/{open_round.slug}/inbreng/{props['id']}"
    assert contributions.contributions_geojson(open_round, (5.3, 52.3, 5.4, 52.4))["features"] == []


@pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "5,52,4,53", "5,53,6,52", "0,0,200,1", "nan,1,2,3"])
def test_bad_bbox(open_round, bbox):
    with pytest.raises(ValidationError) as info:
        contributions.contributions_geojson(open_round, bbox)
    assert "bbox" in info.value.errors


@contextmanager
def count_queries():
    """Count the SQL statements sent while the block runs."""
    counter = {"n": 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _queries_for_round_pages(make_round, layer_round_viewer, count: int) -> int:
    """Fill a fresh round with `count` contributions, then count the queries of every read a page does."""
    round_ = make_round()
    layer = rounds.add_layer(round_, "Zones")
    rounds.upload_layer_version(layer, zones_layer(("A", "B", "C")))
    demo.generate_contributions(round_, count, seed=count)
    db.session.commit()
    slug, viewer_id = round_.slug, layer_round_viewer.id
    db.session.expunge_all()  # start both runs from the same empty session
    round_ = rounds.get_round(slug)
    viewer = db.session.get(type(layer_round_viewer), viewer_id)
    some_id = contributions.list_contributions(round_, per_page=1).rows[0].contribution.id
    db.session.expunge_all()
    round_ = rounds.get_round(slug)
    viewer = db.session.get(type(layer_round_viewer), viewer_id)
    [zone] = [z for z in rounds.current_zones(round_) if z.key == "B"]
    with count_queries() as counter:
        page = contributions.round_page(round_, viewer)
        page.layer_geojson(page.layers[0])
        for who in (None, viewer):
            contributions.list_contributions(round_, who)
            contributions.list_contributions(round_, who, sort="supported", page=2)
            contributions.list_contributions(round_, who, theme="natuur", zone_id=zone.id)
            contributions.contributions_geojson(round_, "4.9,51.9,5.4,52.3", who, limit=5000)
            contributions.contribution_detail(round_, some_id, who)
    return counter["n"]


def test_query_count_is_the_same_for_10_and_2000_contributions(make_round, resident):
    small = _queries_for_round_pages(make_round, resident, 10)
    large = _queries_for_round_pages(make_round, resident, 2000)
    assert small == large
    assert small <= 30
