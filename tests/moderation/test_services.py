"""Moderation services without HTTP: screening on submit, decisions with their conflicts, audit and
signal, flags and the threshold, input on paper, the queue's filters."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from participatie.audit.models import AuditEntry
from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN, PENDING, PUBLISHED, REJECTED, Contribution
from participatie.extensions import db
from participatie.moderation import services as moderation
from participatie.moderation.models import Flag
from participatie.permissions import Role
from participatie.rounds.errors import Refused, ValidationError
from participatie.signals import input_moderated

from rounds.conftest import INSIDE

PHONE_TEXT = "Bel mij gerust op 06-12345678 over het zonneveld bij de Lek."


@pytest.fixture
def signals():
    received = []

    def listener(sender, **kwargs):
        received.append((sender, kwargs))

    with input_moderated.connected_to(listener):
        yield received


@pytest.fixture
def contribute(open_round, make_user):
    def factory(text="Mooie plek voor een zonneveld.", author=None, **kwargs):
        made = contributions.create_contribution(open_round, author or make_user(), theme="natuur", text=text,
                                                 geometry=INSIDE, **kwargs)
        db.session.commit()
        return made
    return factory


def audit_actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


# --- screening on submit ----------------------------------------------------------------------------

def test_personal_data_warns_before_anything_is_stored(open_round, resident):
    with pytest.raises(moderation.PersonalDataWarning) as caught:
        moderation.submit_contribution(open_round, resident, theme="natuur", text=PHONE_TEXT, geometry=INSIDE)
    assert [f.code for f in caught.value.findings] == ["phone"]
    assert "telefoonnummer" in str(caught.value.errors["text"])
    db.session.rollback()
    assert db.session.scalar(select(Contribution.id)) is None


def test_confirmed_personal_data_is_held_for_the_queue(open_round, resident):
    made = moderation.submit_contribution(open_round, resident, confirmed=True, theme="natuur", text=PHONE_TEXT,
                                          geometry=INSIDE)
    db.session.commit()
    assert made.status == PENDING and made.held_reasons == ["phone"]
    page = moderation.queue(moderation.QueueFilter())
    assert [i.item.id for i in page.items] == [made.id]


def test_clean_text_is_published_without_held_reasons(open_round, resident):
    made = moderation.submit_contribution(open_round, resident, theme="natuur",
                                          text="Liever geen panelen op de uiterwaarden.", geometry=INSIDE)
    assert made.status == PUBLISHED and not made.held_reasons


def test_spam_signs_hold_without_a_warning(app, open_round, resident, contribute):
    links = " ".join(f"https://koop.example/{n}" for n in range(4))
    made = moderation.submit_contribution(open_round, resident, theme="natuur", text=f"Koop hier: {links}",
                                          geometry=INSIDE)
    assert made.status == PENDING and made.held_reasons == ["links"]
    text = "Dit zonneveld past niet in het open landschap van de Kromme Rijn."
    contribute(text, author=resident)
    again = moderation.submit_contribution(open_round, resident, theme="natuur", text=text.upper(), geometry=INSIDE)
    assert again.held_reasons == ["repeated"]


def test_a_burst_from_one_account_is_held(app, open_round, resident, contribute):
    app.config.update(SPAM_BURST_COUNT=3, SPAM_BURST_MINUTES=10)
    for n in range(3):
        contribute(f"Reactie nummer {n} over de zones in het noorden van de provincie.", author=resident)
    fourth = moderation.submit_contribution(open_round, resident, theme="natuur",
                                            text="Nog een reactie over iets heel anders.", geometry=INSIDE)
    assert fourth.held_reasons == ["burst"]


def test_replies_are_screened_too(contribute, resident):
    parent = contribute()
    with pytest.raises(moderation.PersonalDataWarning):
        moderation.submit_reply(parent, resident, "Mail mij: piet@example.nl")
    db.session.rollback()
    reply = moderation.submit_reply(parent, resident, "Mail mij: piet@example.nl", confirmed=True)
    assert reply.status == PENDING and reply.held_reasons == ["email"]


def test_an_edit_that_adds_personal_data_goes_back_to_the_queue(contribute, resident):
    made = contribute(author=resident)
    with pytest.raises(moderation.PersonalDataWarning):
        moderation.submit_update(made, resident, theme="natuur", text="Mijn BSN is 111222333")
    db.session.rollback()
    moderation.submit_update(made, resident, confirmed=True, theme="natuur", text="Mijn BSN is 111222333")
    assert made.status == PENDING and made.held_reasons == ["bsn"]


def test_editing_the_same_text_is_not_a_repeat(contribute, resident):
    text = "Dit zonneveld past niet in het open landschap van de Kromme Rijn."
    made = contribute(text, author=resident)
    moderation.submit_update(made, resident, theme="natuur", text=text)
    assert made.status == PUBLISHED


# --- decisions --------------------------------------------------------------------------------------

def test_redact_then_approve_keeps_the_original_for_moderators(open_round, resident, moderator, signals):
    made = moderation.submit_contribution(open_round, resident, confirmed=True, theme="natuur", text=PHONE_TEXT,
                                          geometry=INSIDE)
    db.session.commit()
    moderation.redact(made, moderator, PENDING, "Bel mij gerust op [verwijderd] over het zonneveld bij de Lek.")
    moderation.approve(made, moderator, PENDING)
    db.session.commit()
    assert made.status == PUBLISHED
    assert "06-12345678" not in made.text and made.original_text == PHONE_TEXT
    assert audit_actions() == ["moderation.redacted", "moderation.approved"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.approved")).one()
    assert entry.details["before"] == {"status": PENDING} and entry.details["after"] == {"status": PUBLISHED}
    assert entry.actor_id == moderator.id
    # the log never keeps the personal data
    assert all("06-12345678" not in str(e.details) for e in db.session.scalars(select(AuditEntry)))
    assert [kwargs["action"] for _s, kwargs in signals] == ["redacted", "approved"]
    assert signals[1][0] is made and signals[1][1]["actor"] is moderator


def test_a_second_redaction_keeps_the_first_original(contribute, moderator):
    made = contribute("Eerste tekst met 06-12345678 erin.")
    moderation.redact(made, moderator, PUBLISHED, "Eerste tekst met 06-1234 erin.")
    moderation.redact(made, moderator, PUBLISHED, "Eerste tekst met [weg] erin.")
    assert made.original_text == "Eerste tekst met 06-12345678 erin."


def test_reject_needs_a_reason_that_reaches_the_author(contribute, moderator, signals):
    made = contribute()
    with pytest.raises(ValidationError):
        moderation.reject(made, moderator, PUBLISHED, "  ")
    moderation.reject(made, moderator, PUBLISHED, "Dit gaat over een andere ronde.")
    assert made.status == REJECTED and made.moderation_reason == "Dit gaat over een andere ronde."
    assert signals[-1][1]["reason"] == "Dit gaat over een andere ronde."


def test_hide_uses_a_rule_from_the_fixed_list(contribute, moderator):
    made = contribute()
    with pytest.raises(ValidationError):
        moderation.hide(made, moderator, PUBLISHED, "iets-anders")
    moderation.hide(made, moderator, PUBLISHED, "respect", note="scheldwoord in zin 2")
    assert made.status == HIDDEN and made.moderation_reason == str(moderation.RULES["respect"])
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.hidden")).one()
    assert entry.details["rule"] == "respect" and entry.details["note"] == "scheldwoord in zin 2"


def test_the_second_tab_is_refused_and_says_what_happened(contribute, moderator, make_user):
    other = make_user(roles=(Role.MODERATOR,), display_name="Moderator Els")
    made = contribute()
    moderation.hide(made, other, PUBLISHED, "respect")
    db.session.commit()
    with pytest.raises(moderation.Conflict) as caught:
        moderation.approve(made, moderator, PUBLISHED)  # the status this moderator saw
    message = str(caught.value.message)
    assert "Moderator Els" in message and "verborgen" in message
    assert made.status == HIDDEN
    assert audit_actions() == ["moderation.hidden"]


def test_the_same_action_twice_is_applied_once(contribute, moderator, signals):
    made = moderation.submit_contribution(made_round := contribute().round, contribute().author,
                                          confirmed=True, theme="natuur", text=PHONE_TEXT, geometry=INSIDE)
    db.session.commit()
    moderation.approve(made, moderator, PENDING)
    with pytest.raises(moderation.Conflict):
        moderation.approve(made, moderator, PENDING)
    assert audit_actions().count("moderation.approved") == 1
    assert len(signals) == 1 and made_round.id == made.round_id


def test_mark_duplicate_points_to_the_original(contribute, moderator, make_round):
    first, second = contribute("De eerste."), contribute("De tweede, hetzelfde.")
    with pytest.raises(ValidationError):
        moderation.mark_duplicate(second, moderator, PUBLISHED, second.id)
    moderation.mark_duplicate(second, moderator, PUBLISHED, str(first.id))
    assert second.status == HIDDEN and second.duplicate_of_id == first.id


def test_only_moderators_decide(contribute, resident):
    made = contribute()
    with pytest.raises(Refused):
        moderation.approve(made, resident, PUBLISHED)


def test_bulk_skips_what_another_moderator_handled(contribute, moderator):
    a, b, c = contribute("een"), contribute("twee"), contribute("drie")
    moderation.hide(b, moderator, PUBLISHED, "respect")
    result = moderation.apply_bulk("reject", [f"contribution:{a.id}:published", f"contribution:{b.id}:published",
                                              f"contribution:{c.id}:published", "contribution:999999:published"],
                                   moderator, reason="Niet over deze ronde.")
    assert result.done == 2 and len(result.conflicts) == 1 and result.missing == 1
    assert (a.status, b.status, c.status) == (REJECTED, HIDDEN, REJECTED)
    with pytest.raises(ValidationError):
        moderation.apply_bulk("hide", [f"contribution:{a.id}:rejected"], moderator)  # no rule


# --- flags ------------------------------------------------------------------------------------------

def test_three_people_flag_and_it_is_held_pending_review(contribute, make_user, moderator):
    made = contribute()
    for n in range(3):
        moderation.flag(made, make_user(), "insulting", "Scheldwoord" if n == 0 else "")
        db.session.commit()
    assert made.status == PENDING and made.held_reasons == ["flags"]
    assert "moderation.held_by_flags" in audit_actions()
    page = moderation.queue(moderation.QueueFilter(reason="flags"))
    assert [i.item.id for i in page.items] == [made.id]
    assert page.items[0].flags == [("insulting", 3)] and page.items[0].flag_notes == ["Scheldwoord"]
    moderation.approve(made, moderator, PENDING)  # a false alarm: published again, flags closed
    assert made.status == PUBLISHED
    assert db.session.scalar(select(Flag.id).where(Flag.resolved_at.is_(None))) is None
    assert moderation.queue(moderation.QueueFilter()).total == 0


def test_two_flags_are_not_enough_with_the_default_threshold(contribute, make_user):
    made = contribute()
    for _n in range(2):
        moderation.flag(made, make_user(), "spam")
    assert made.status == PUBLISHED
    assert [i.item.id for i in moderation.queue(moderation.QueueFilter(status="flagged")).items] == [made.id]


def test_the_threshold_is_configurable(app, contribute, make_user):
    app.config["FLAG_THRESHOLD"] = 1
    made = contribute()
    moderation.flag(made, make_user(), "off_topic")
    assert made.status == PENDING


def test_own_and_repeated_flags_are_refused_and_logged(contribute, make_user):
    author, other = make_user(), make_user()
    made = contribute(author=author)
    with pytest.raises(Refused) as own:
        moderation.flag(made, author, "spam")
    assert own.value.code == "own"
    moderation.flag(made, other, "spam")
    db.session.commit()
    with pytest.raises(Refused) as again:
        moderation.flag(made, other, "insulting")
    assert again.value.code == "repeated"
    db.session.rollback()
    refusals = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.flag_refused")).all()
    assert [e.details["why"] for e in refusals] == ["own", "repeated"]
    assert db.session.scalar(select(db.func.count(Flag.id))) == 1


def test_flags_on_replies(contribute, make_user):
    parent = contribute()
    reply = contributions.add_reply(parent, make_user(), "Een antwoord.")
    moderation.flag(reply, make_user(), "personal_data")
    page = moderation.queue(moderation.QueueFilter(status="flagged"))
    assert [(i.kind, i.item.id) for i in page.items] == [("reply", reply.id)]


def test_unpublished_input_cannot_be_flagged(contribute, make_user, moderator):
    made = contribute()
    moderation.hide(made, moderator, PUBLISHED, "respect")
    with pytest.raises(Refused):
        moderation.flag(made, make_user(), "spam")


# --- input on paper ---------------------------------------------------------------------------------

def test_paper_input_is_published_with_its_channel_and_counts(open_round, moderator, layer):
    zone = contributions.rounds.current_zones(open_round)[0]
    made = moderation.enter_input(open_round, moderator, channel="paper", received_at=date.today(),
                                  theme="landschap", text="Per brief: geen zonneveld bij ons dorp.",
                                  contact_name="Mevr. Jansen", contact_details="Dorpsstraat 1", zone_id=str(zone.id))
    db.session.commit()
    assert (made.status, made.channel, made.author_id, made.entered_by_id) == (PUBLISHED, "paper", None, moderator.id)
    assert made.zone_id == zone.id and made.contact_name == "Mevr. Jansen"
    assert contributions.round_totals(open_round).total == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.entered")).one()
    assert entry.details["channel"] == "paper" and "Jansen" not in str(entry.details)


def test_paper_input_with_coordinates_or_municipality(open_round, moderator):
    by_point = moderation.enter_input(open_round, moderator, channel="phone", received_at=date.today(),
                                      theme="natuur", text="Telefonisch doorgegeven.", lat="52.09", lon="5.12")
    assert by_point.geometry == {"type": "Point", "coordinates": [5.12, 52.09]}
    by_place = moderation.enter_input(open_round, moderator, channel="in_person", received_at=date.today(),
                                      theme="natuur", text="Aan de balie.", place="houten")
    assert by_place.place_label == "Houten" and by_place.channel == "in_person"


def test_paper_input_is_checked(open_round, moderator):
    with pytest.raises(ValidationError) as caught:
        moderation.enter_input(open_round, moderator, channel="web", received_at=date.today() + timedelta(days=2),
                               theme="", text="", lat="noord", lon="5")
    assert {"channel", "received_at", "coordinates", "theme", "text"} <= set(caught.value.errors)
    with pytest.raises(Refused):
        moderation.enter_input(open_round, None, channel="paper", received_at=date.today(), theme="natuur", text="x")


def test_paper_input_may_be_entered_after_the_round_closed(make_round, moderator):
    from rounds.conftest import utc
    closed = make_round(starts=utc(days=-30), ends=utc(days=-1))
    made = moderation.enter_input(closed, moderator, channel="paper", received_at=date.today() - timedelta(days=3),
                                  theme="natuur", text="Brief die op tijd binnenkwam.")
    assert made.status == PUBLISHED


# --- the queue --------------------------------------------------------------------------------------

def test_queue_is_oldest_first_with_filters_and_pages(open_round, make_round, resident, make_user, contribute):
    other_round = make_round(themes=["landbouw", "natuur"])
    first = moderation.submit_contribution(open_round, resident, confirmed=True, theme="natuur",
                                           text="Eerste met piet@example.nl", geometry=INSIDE)
    db.session.commit()
    second = contributions.create_contribution(other_round, make_user(), theme="landbouw", text="Tweede",
                                               geometry=INSIDE, held_reasons=["links"])
    published = contribute()
    reply = contributions.add_reply(published, make_user(), "Antwoord", held_reasons=["burst"])
    db.session.commit()
    everything = moderation.queue(moderation.QueueFilter())
    assert [(i.kind, i.item.id) for i in everything.items] == [
        ("contribution", first.id), ("contribution", second.id), ("reply", reply.id)]
    assert [i.item.id for i in moderation.queue(moderation.QueueFilter(round_id=other_round.id)).items] == [second.id]
    assert [i.item.id for i in moderation.queue(moderation.QueueFilter(reason="email")).items] == [first.id]
    assert [i.item.id for i in moderation.queue(moderation.QueueFilter(theme="landbouw")).items] == [second.id]
    assert moderation.queue(moderation.QueueFilter(project_id=open_round.project_id)).total == 3
    assert moderation.queue(moderation.QueueFilter(status="published")).total == 1
    page2 = moderation.queue(moderation.QueueFilter(), page=2, per_page=2)
    assert (page2.page, page2.pages, [i.item.id for i in page2.items]) == (2, 2, [reply.id])
