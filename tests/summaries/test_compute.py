"""The summary's figures on the hand-countable round (see conftest): totals, breakdowns, zones,
hotspots, keywords, quotes, topics and charts, and that the same input gives the same result."""
import json

import pytest

from participatie.extensions import db
from participatie.summaries import inputs, services
from participatie.summaries.models import SummaryGroup

from .conftest import FULL


def computed(fixture, theme=None):
    params = services.parameters()
    data = inputs.load(fixture.round, theme, params, services.ALGORITHM_VERSION)
    return data, services.compute(data, params)


def group_ids(result, data, key):
    return sorted(int(i) for i in data.ids[result.groups[key][1]])


def test_totals_are_exact(toets):
    data, result = computed(toets)
    assert result.content["totals"] == {
        "contributions": 10, "replies": 3, "votes": 6,
        "contribution_support": 3, "contribution_objection": 1, "zone_support": 1, "zone_objection": 1,
        "participants": 10, "without_account": 1, "with_place": 9,
    }
    assert group_ids(result, data, "all") == toets.ids(*range(1, 11))


def test_breakdowns_by_theme_channel_and_day(toets):
    data, result = computed(toets)
    content = result.content
    assert [(t["theme"], t["count"], t["replies"], t["support"], t["objection"]) for t in content["by_theme"]] == [
        ("landschap", 7, 2, 2, 1), ("natuur", 3, 1, 1, 0)]
    assert group_ids(result, data, "theme:natuur") == toets.ids(7, 8, 9)
    assert [(c["channel"], c["count"]) for c in content["by_channel"]] == [("web", 9), ("paper", 1)]
    assert group_ids(result, data, "channel:paper") == toets.ids(10)
    # Days in Europe/Amsterdam: c8 at 23:00 UTC on 5 May is 6 May local time.
    assert [(d["day"], d["count"]) for d in content["by_day"]] == [
        ("2026-05-04", 6), ("2026-05-05", 1), ("2026-05-06", 3)]
    assert group_ids(result, data, "day:2026-05-06") == toets.ids(8, 9, 10)
    assert content["by_organisation"] == []


def test_zone_counts_include_touching_lines_and_zone_votes(toets):
    data, result = computed(toets)
    by_key = {z["key"]: z for z in result.content["zones"]}
    assert (by_key["A"]["count"], by_key["A"]["support"], by_key["A"]["objection"]) == (2, 1, 0)
    assert (by_key["B"]["count"], by_key["B"]["support"], by_key["B"]["objection"]) == (1, 0, 1)
    assert by_key["A"]["contribution_support"] == 1  # c7's support; hidden c11 never counts
    assert group_ids(result, data, f"zone:{toets.zones['A'].id}") == toets.ids(7, 8)
    assert group_ids(result, data, f"zone:{toets.zones['B'].id}") == toets.ids(9)
    assert [(k["term"], k["count"]) for k in by_key["A"]["keywords"]] == [("boom", 2)]


def test_one_hotspot_of_the_six_close_contributions(toets):
    data, result = computed(toets)
    hotspots = result.content["hotspots"]
    assert hotspots["eligible"] == 9  # everything with a place chosen on the map; not the letter
    assert hotspots["min_samples"] == 5
    assert [(h["number"], h["count"]) for h in hotspots["items"]] == [(1, 6)]
    spot = hotspots["items"][0]
    assert group_ids(result, data, "hotspot:1") == toets.ids(1, 2, 3, 4, 5, 6)
    assert spot["radius_m"] < 60
    assert spot["geometry"]["type"] == "Polygon"
    assert [(k["term"], k["count"]) for k in spot["keywords"]] == [("rivier", 6), ("fietspad", 6)]
    assert spot["support"] == 2 and spot["objection"] == 1


def test_keywords_are_lemmatised_and_link_to_their_contributions(toets):
    data, result = computed(toets)
    keywords = result.content["keywords"]
    assert [(k["term"], k["count"]) for k in keywords] == [("fietspad", 7), ("rivier", 6), ("boom", 3)]
    assert group_ids(result, data, "keyword:fietspad") == toets.ids(1, 2, 3, 4, 5, 6, 10)
    assert group_ids(result, data, "keyword:boom") == toets.ids(7, 8, 9)
    themes = {t["theme"]: [k["term"] for k in t["keywords"]] for t in result.content["by_theme"]}
    assert themes == {"landschap": ["fietspad", "rivier"], "natuur": ["boom"]}


def test_quotes_are_literal_published_texts_one_per_author(toets):
    data, result = computed(toets)
    quotes = result.content["quotes"]
    assert 1 <= len(quotes) <= 5
    texts = result.content["quote_texts"]
    for contribution_id in quotes:
        assert texts[str(contribution_id)]["text"] in {toets.c[n].text for n in range(1, 11)}
    authors = [toets.c[n].author_id for n in range(1, 11) if toets.c[n].id in quotes]
    assert len([a for a in authors if a]) == len({a for a in authors if a})


def test_topics_come_from_the_offline_model(app, toets):
    app.config["SUMMARY_PARAMETERS"] = FULL
    data, result = computed(toets)
    topics = result.content["topics"]
    assert topics["available"], topics.get("reason")
    assert "Universal Sentence Encoder" in topics["model"]
    assert topics["sample"] == 10 and not topics["sampled"]
    for topic in topics["items"]:
        members = group_ids(result, data, topic["group"])
        assert len(members) == topic["count"] >= 3
        assert set(topic["quotes"]) <= set(members)


def test_charts_hold_the_numbers_of_their_tables(app, toets):
    app.config["SUMMARY_PARAMETERS"] = FULL
    data, result = computed(toets)
    assert sorted(result.charts) == ["per-dag", "per-kanaal", "per-thema", "per-zone"]
    theme_svg = result.charts["per-thema"]
    assert theme_svg.startswith("<?xml") and "landschap" in theme_svg and "natuur" in theme_svg
    assert ">7<" in theme_svg and ">3<" in theme_svg  # the value labels, as text


def test_same_input_same_result_and_hash(app, toets):
    app.config["SUMMARY_PARAMETERS"] = FULL
    data1, first = computed(toets)
    db.session.expire_all()
    data2, second = computed(toets)
    assert data1.input_hash == data2.input_hash
    assert json.dumps(first.content, sort_keys=True) == json.dumps(second.content, sort_keys=True)
    assert first.charts == second.charts


def test_hash_changes_with_a_vote_and_with_moderation(toets):
    params = services.parameters()
    before = inputs.load(toets.round, None, params, services.ALGORITHM_VERSION).input_hash
    toets.c[11].status = "published"
    db.session.commit()
    after = inputs.load(toets.round, None, params, services.ALGORITHM_VERSION).input_hash
    assert before != after


def test_theme_scope_only_reads_that_theme(toets):
    data, result = computed(toets, theme="natuur")
    assert result.content["totals"]["contributions"] == 3
    assert result.content["totals"]["zone_support"] == 0  # zone votes belong to no theme
    assert result.content["hotspots"]["items"] == []


def test_group_ids_are_stored_compactly_and_exactly():
    ids = list(range(5, 100_005, 3))
    blob = SummaryGroup.encode(ids[::-1])
    assert SummaryGroup.decode(blob) == ids
    assert len(blob) < 2_000


@pytest.mark.parametrize("case", ["empty", "one", "only_replies", "english", "emoji", "long"])
def test_odd_rounds_give_a_sensible_summary(app, make_user, case):
    from datetime import datetime, timedelta

    from participatie.contributions.models import Reply
    from participatie.projects.models import Project
    from participatie.rounds import services as rounds
    from rounds.conftest import AREA

    from .conftest import add_contribution, point

    project = Project(slug="p", title="P", status="published", area=AREA)
    db.session.add(project)
    db.session.flush()
    now = datetime.utcnow()
    round_ = rounds.create_round(project, slug="r", title="R", starts_at=now - timedelta(days=1),
                                 ends_at=now + timedelta(days=1))
    user = make_user()
    texts = {
        "one": ["Eén enkele reactie over het landschap."],
        "english": ["The solar field will ruin the view of the river.", "I love the river and the bike paths.",
                    "Solar panels belong on roofs, not in fields near the river."],
        "emoji": ["🌞🌞🌞", "Zonnevelden 👎👎 nee!", "🚲 fietspaden 👍", "😀", "Zonnevelden 👎"],
        "long": ["Zonneveld " * 2500, "landschap " * 190 + "einde", "Kort."],
    }.get(case, [])
    for i, text in enumerate(texts):
        add_contribution(round_, user.id, "landschap", text, point(5.1 + i * 0.001, 52.1))
    if case == "only_replies":
        hidden = add_contribution(round_, user.id, "natuur", "Verborgen.", point(5.1, 52.1), status="hidden")
        db.session.add(Reply(contribution_id=hidden.id, author_id=user.id, text="Antwoord", status="published"))
    db.session.commit()
    summary = services.summarise(round_.id)
    content = summary.content
    assert content["totals"]["contributions"] == len(texts)
    assert content["totals"]["replies"] == 0
    assert len(content["quotes"]) <= len(texts)
    if case == "english":
        assert "river" in [k["term"] for k in content["keywords"]]
    if case in ("empty", "only_replies"):
        assert content["keywords"] == [] and content["hotspots"]["items"] == [] and content["by_day"] == []
