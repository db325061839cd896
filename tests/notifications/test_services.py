"""Notifications as services: which event mails whom (and never twice), preferences, the sent-log
under repeated checks and failures, and the unsubscribe tokens."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participatie import jobs
from participatie.accounts.models import utcnow
from participatie.extensions import db
from participatie.notifications import services
from participatie.notifications.models import NotificationDelivery, NotificationEvent, Subscription
from participatie.responses import services as responses
from participatie.signals import input_moderated
from participatie.summaries import services as summaries
from participatie.summaries.models import Summary


def mails_to(outbox, address):
    return [m for m in outbox if m["To"] == address]


def all_text(message) -> str:
    return str(message)


def test_hidden_input_mails_the_author_after_commit_through_the_job_queue(app, open_round, resident, moderator,
                                                                         add_contribution, outbox):
    contribution = add_contribution(open_round, resident, text="Bel mij op 0612345678")
    contribution.status, contribution.moderation_reason = "hidden", "Persoonlijke gegevens"
    input_moderated.send(contribution, action="hidden", reason="Persoonlijke gegevens", actor=moderator)
    assert jobs.run_pending(app) == 0  # nothing queued before the commit
    db.session.commit()
    assert outbox == []  # queued, not sent inline
    assert jobs.run_pending(app) == 1
    [mail] = outbox
    assert mail["To"] == resident.email
    assert mail["Subject"] == "Uw inbreng is verborgen"
    body = mail.get_content()
    assert "Persoonlijke gegevens" in body and open_round.title in body and "/mijn-inbreng" in body
    assert mail["List-Unsubscribe"].startswith("<http") and "/meldingen/afmelden/" in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert moderator.email not in all_text(mail)


def test_rolled_back_moderation_sends_nothing(app, open_round, resident, moderator, add_contribution, outbox):
    contribution = add_contribution(open_round, resident)
    input_moderated.send(contribution, action="rejected", reason="Spam", actor=moderator)
    db.session.rollback()
    db.session.commit()
    assert jobs.run_pending(app) == 0
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0
    assert outbox == []


def test_rejected_reply_mails_its_author_approval_does_not(app, open_round, resident, make_user, moderator,
                                                            add_contribution, add_reply, outbox):
    replier = make_user()
    reply = add_reply(add_contribution(open_round, resident), replier, text="Mijn antwoord", status="rejected")
    input_moderated.send(reply, action="rejected", reason="Gaat niet over het plan", actor=moderator)
    other = add_contribution(open_round, resident)
    input_moderated.send(other, action="approved", reason="", actor=moderator)
    db.session.commit()
    jobs.run_pending(app)
    assert [(m["To"], m["Subject"]) for m in outbox] == [(replier.email, "Uw inbreng is afgewezen")]
    assert "Gaat niet over het plan" in outbox[0].get_content()


def test_undone_before_delivery_sends_nothing(app, open_round, resident, moderator, add_contribution, outbox):
    contribution = add_contribution(open_round, resident, status="hidden")
    input_moderated.send(contribution, action="hidden", reason="Per ongeluk", actor=moderator)
    db.session.commit()
    contribution.status = "published"  # the moderator approved it again before the job ran
    db.session.commit()
    jobs.run_pending(app)
    assert outbox == []


def test_preference_off_means_no_mail(app, open_round, resident, moderator, add_contribution, outbox):
    services.save_preferences(resident, input_moderated=False)
    contribution = add_contribution(open_round, resident, status="hidden")
    input_moderated.send(contribution, action="hidden", reason="x", actor=moderator)
    db.session.commit()
    jobs.run_pending(app)
    assert outbox == []


def test_unconfirmed_and_inactive_accounts_get_no_mail(app, open_round, make_user, moderator, add_contribution,
                                                       outbox):
    unconfirmed, inactive = make_user(confirmed=False), make_user()
    inactive.active = False
    for author in (unconfirmed, inactive):
        input_moderated.send(add_contribution(open_round, author, status="hidden"), action="hidden", reason="x",
                             actor=moderator)
    db.session.commit()
    jobs.run_pending(app)
    assert outbox == []


def test_published_response_mails_each_author_once_and_the_subscribers(app, open_round, make_user, moderator,
                                                                        add_contribution, outbox):
    first, second, follower, both = make_user(), make_user(), make_user(), make_user()
    services.subscribe(follower, project=open_round.project)
    services.subscribe(both, round_=open_round)
    services.subscribe(both, project=open_round.project)
    ids = [add_contribution(open_round, a).id for a in (first, first, second, both)]
    response = responses.create_response(open_round, moderator, text="Wij verplaatsen het zonneveld.",
                                         phase_label="na vaststelling", contribution_ids=ids)
    db.session.commit()
    jobs.run_pending(app)
    assert outbox == []  # a draft mails nobody
    responses.publish_response(response, moderator)
    db.session.commit()
    jobs.run_pending(app)
    assert sorted(m["To"] for m in outbox) == sorted([first.email, second.email, follower.email, both.email])
    by_address = {m["To"]: m for m in outbox}
    assert by_address[first.email]["Subject"] == "De provincie heeft gereageerd op uw inbreng"
    assert by_address[both.email]["Subject"] == "De provincie heeft gereageerd op uw inbreng"
    assert by_address[follower.email]["Subject"].startswith("Nieuwe reactie van de provincie")
    for mail in outbox:
        body = mail.get_content()
        assert "Wij verplaatsen het zonneveld." in body and "na vaststelling" in body
        others = {first.email, second.email, follower.email, both.email, moderator.email} - {mail["To"]}
        assert not any(address in str(mail) for address in others)


def test_public_summary_mails_subscribers_team_summary_does_not(app, open_round, make_user, analyst, outbox):
    follower = make_user()
    services.subscribe(follower, round_=open_round)
    drafts = []
    for _ in range(2):
        summary = Summary(round_id=open_round.id, status="draft", input_hash="y" * 64, algorithm_version="1.0",
                          content={}, charts={})
        db.session.add(summary)
        drafts.append(summary)
    db.session.commit()
    summaries.publish(drafts[0], "team", analyst)
    db.session.commit()
    jobs.run_pending(app)
    assert outbox == []
    summaries.publish(drafts[1], "public", analyst)
    db.session.commit()
    jobs.run_pending(app)
    [mail] = outbox
    assert mail["To"] == follower.email and mail["Subject"].startswith("Samenvatting gepubliceerd")
    assert f"/samenvattingen/{drafts[1].id}" in mail.get_content()


def test_round_opening_and_closing_mail_once_however_often_the_check_runs(app, make_round, make_user, outbox):
    now = utcnow()
    round_ = make_round(starts=now - timedelta(hours=2), ends=now + timedelta(days=3))
    old = make_round(starts=now - timedelta(days=10), ends=now + timedelta(days=3))  # not news any more
    follower, round_follower, nobody = make_user(), make_user(), make_user()
    services.subscribe(follower, project=round_.project)
    services.subscribe(round_follower, round_=round_)
    db.session.commit()

    assert services.run_check(now) == 2
    assert services.run_check(now) == 0  # the check runs again (every hour, or on a second worker)
    assert sorted(m["To"] for m in outbox) == sorted([follower.email, round_follower.email])
    assert all(m["Subject"] == f"De ronde is open: {round_.title}" for m in outbox)
    assert nobody.email not in [m["To"] for m in outbox]
    assert old.title not in " ".join(m["Subject"] for m in outbox)

    later = now + timedelta(days=3, hours=1)
    # Both rounds closed an hour ago: the project's follower hears of both, the round's follower of one.
    assert services.run_check(later) == 3
    assert services.run_check(later) == 0
    closed = sorted((m["To"], m["Subject"]) for m in outbox[2:])
    assert closed == sorted([(follower.email, f"De ronde is gesloten: {round_.title}"),
                             (follower.email, f"De ronde is gesloten: {old.title}"),
                             (round_follower.email, f"De ronde is gesloten: {round_.title}")])
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 3


def test_two_workers_delivering_the_same_event_send_one_mail(app, make_round, make_user, outbox):
    now = utcnow()
    round_ = make_round(starts=now - timedelta(minutes=5))
    services.subscribe(make_user(), round_=round_)
    db.session.commit()
    [event_] = services.check_rounds(now)
    assert services.check_rounds(now) == []  # the same event is never added twice
    assert services.deliver(event_.id) == 1
    event_.processed_at = None  # as if a second worker picked it up before the first finished
    db.session.commit()
    assert services.deliver(event_.id) == 0
    assert len(outbox) == 1


def test_a_failed_send_is_sent_on_the_retry_and_only_then(app, make_round, make_user, outbox, monkeypatch):
    now = utcnow()
    round_ = make_round(starts=now - timedelta(minutes=5))
    services.subscribe(make_user(), round_=round_)
    db.session.commit()
    [event_] = services.check_rounds(now)
    real = services.send_mail

    def broken(*args, **kwargs):
        raise OSError("SMTP weg")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(OSError):
        services.deliver(event_.id)
    assert db.session.scalar(select(func.count(NotificationDelivery.id))) == 0  # the claim was freed
    monkeypatch.setattr(services, "send_mail", real)
    assert services.run_check(now) == 1
    assert services.run_check(now) == 0
    assert len(outbox) == 1


def test_news_of_a_draft_project_is_not_sent(app, make_round, make_user, outbox):
    now = utcnow()
    round_ = make_round(starts=now - timedelta(minutes=5))
    round_.project.status = "draft"
    services.subscribe(make_user(), round_=round_)
    db.session.commit()
    assert services.run_check(now) == 0


def test_tokens(app, open_round, resident, make_user):
    services.subscribe(resident, round_=open_round)
    services.subscribe(resident, project=open_round.project)
    other = make_user()
    services.subscribe(other, round_=open_round)
    db.session.commit()

    token = services.make_token(resident.id, round_id=open_round.id)
    assert services.read_token(token).round.id == open_round.id
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "abc", token + "x",
                services.make_token(10_000, preference="round_news"),
                services.make_token(resident.id, preference="everything")):
        with pytest.raises(services.TokenError):
            services.read_token(bad)
    services.apply_unsubscribe(token)
    db.session.commit()
    left = db.session.execute(select(Subscription.user_id, Subscription.round_id)).all()
    assert left == [(other.id, open_round.id)]  # only this person's, for this round and its project

    services.apply_unsubscribe(services.make_token(resident.id, preference="input_answered"))
    db.session.commit()
    assert services.wants(resident.id, "input_answered") is False
    assert services.wants(resident.id, "input_moderated") is True


def test_subscribe_twice_is_one_subscription(app, open_round, resident):
    services.subscribe(resident, round_=open_round)
    services.subscribe(resident, round_=open_round)
    db.session.commit()
    assert db.session.scalar(select(func.count(Subscription.id))) == 1
    assert services.unsubscribe(resident, round_=open_round) is True
    assert services.unsubscribe(resident, round_=open_round) is False


def test_a_moderator_rejecting_through_the_moderation_service_mails_the_author(app, open_round, resident, moderator,
                                                                              add_contribution, outbox):
    from participatie.moderation import services as moderation

    contribution = add_contribution(open_round, resident, text="Koop nu goedkope panelen!")
    moderation.reject(contribution, moderator, "published", "Dit is reclame.")
    db.session.commit()
    jobs.run_pending(app)
    [mail] = outbox
    assert mail["To"] == resident.email and "Dit is reclame." in mail.get_content()
    assert "Koop nu goedkope panelen!" in mail.get_content()
