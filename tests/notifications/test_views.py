"""Notification pages over HTTP: the settings page "Meldingen", following projects and rounds (POST
with CSRF, residents only), and the one-click unsubscribe link (confirm page, POST, RFC 8058 one-click
POST without a form, tampered links refused)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from participatie import jobs
from participatie.accounts.models import utcnow
from participatie.extensions import db
from participatie.notifications import services, tasks
from participatie.notifications.models import NotificationPreference, Subscription
from participatie.permissions import Role


def subscriptions():
    return db.session.execute(select(Subscription.user_id, Subscription.project_id, Subscription.round_id)
                              .order_by(Subscription.id)).all()


def test_settings_page_saves_the_choices(client, login_as):
    user = login_as(Role.RESIDENT)
    html = client.get("/account/meldingen").get_data(as_text=True)
    assert html.count('checked') == 3  # everything on until the person chooses
    response = client.post("/account/meldingen", data={"input_moderated": "y"})
    assert response.status_code == 302
    found = db.session.get(NotificationPreference, user.id)
    assert (found.input_moderated, found.input_answered, found.round_news) == (True, False, False)
    assert client.get("/account/meldingen").get_data(as_text=True).count('checked') == 1


@pytest.mark.parametrize("url", ["/account/meldingen"])
def test_settings_need_a_login(client, url):
    assert client.get(url).status_code == 302
    assert client.post(url, data={}).status_code == 401


def test_follow_and_unfollow_a_project_and_a_round(client, login_as, open_round):
    user = login_as(Role.RESIDENT)
    project = open_round.project
    page = client.get(f"/projecten/{project.slug}").get_data(as_text=True)
    assert f'action="/projecten/{project.slug}/volgen"' in page
    assert client.post(f"/projecten/{project.slug}/volgen").status_code == 302
    assert client.post(f"/rondes/{open_round.slug}/volgen").status_code == 302
    assert client.post(f"/rondes/{open_round.slug}/volgen").status_code == 302  # twice: still one
    assert subscriptions() == [(user.id, project.id, None), (user.id, None, open_round.id)]
    page = client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)
    assert f'action="/rondes/{open_round.slug}/niet-meer-volgen"' in page
    settings = client.get("/account/meldingen").get_data(as_text=True)
    assert project.title in settings and open_round.title in settings
    assert client.post(f"/rondes/{open_round.slug}/niet-meer-volgen").status_code == 302
    assert client.post(f"/projecten/{project.slug}/niet-meer-volgen").status_code == 302
    assert subscriptions() == []


def test_following_needs_a_login_a_post_and_a_visible_project(client, login_as, open_round):
    assert client.post(f"/rondes/{open_round.slug}/volgen").status_code == 401
    assert "Log in om dit te volgen" in client.get(f"/rondes/{open_round.slug}").get_data(as_text=True)
    login_as(Role.RESIDENT)
    assert client.get(f"/rondes/{open_round.slug}/volgen").status_code == 405
    assert client.post("/rondes/bestaat-niet/volgen").status_code == 404
    open_round.project.status = "draft"
    db.session.commit()
    assert client.post(f"/rondes/{open_round.slug}/volgen").status_code == 404
    assert client.post(f"/projecten/{open_round.project.slug}/volgen").status_code == 404
    assert subscriptions() == []


def test_follow_without_csrf_token_is_refused(make_app, make_user, open_round):
    app = make_app(WTF_CSRF_ENABLED=True, JOBS_WORKER_THREAD=False)
    with app.app_context():
        from participatie.accounts.services import create_user

        user = create_user(email="csrf@example.org", password="correct-horse-battery-9", display_name="C",
                           roles=(Role.RESIDENT,), confirmed=True)
        db.session.commit()
        client = app.test_client()
        page = client.get("/account/inloggen").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post("/account/inloggen", data={"email": user.email, "password": "correct-horse-battery-9",
                                                      "csrf_token": token}).status_code == 302
        assert client.post("/rondes/ronde-1/volgen").status_code == 400
        assert client.post("/account/meldingen", data={"round_news": "y"}).status_code == 400


def test_unsubscribe_link_confirms_then_unsubscribes(client, open_round, resident):
    services.subscribe(resident, round_=open_round)
    db.session.commit()
    token = services.make_token(resident.id, round_id=open_round.id)
    page = client.get(f"/meldingen/afmelden/{token}")
    assert page.status_code == 200 and open_round.title in page.get_data(as_text=True)
    assert len(subscriptions()) == 1  # a GET (a mail scanner following the link) changes nothing
    done = client.post(f"/meldingen/afmelden/{token}")
    assert done.status_code == 200 and "U bent afgemeld" in done.get_data(as_text=True)
    assert subscriptions() == []


def test_one_click_unsubscribe_by_a_mail_program_without_csrf(make_app, open_round):
    app = make_app(WTF_CSRF_ENABLED=True, JOBS_WORKER_THREAD=False)
    with app.app_context():
        from participatie.accounts.services import create_user

        user = create_user(email="klik@example.org", password="correct-horse-battery-9", display_name="K",
                           roles=(Role.RESIDENT,), confirmed=True)
        db.session.commit()
        token = services.make_token(user.id, preference="round_news")
        response = app.test_client().post(f"/meldingen/afmelden/{token}", data="List-Unsubscribe=One-Click",
                                          content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert services.wants(user.id, "round_news") is False


def test_tampered_unsubscribe_link_is_refused(client, open_round, resident, make_user):
    other = make_user()
    services.subscribe(other, round_=open_round)
    db.session.commit()
    token = services.make_token(resident.id, round_id=open_round.id)
    payload, _, signature = token.rpartition(".")
    forged = services.make_token(other.id, round_id=open_round.id).rpartition(".")[0] + "." + signature
    for bad in (forged, token[:-3] + "abc", "niets"):
        assert client.get(f"/meldingen/afmelden/{bad}").status_code == 400
        response = client.post(f"/meldingen/afmelden/{bad}")
        assert response.status_code == 400 and "klopt niet" in response.get_data(as_text=True)
    assert subscriptions() == [(other.id, None, open_round.id)]


def test_mail_link_works_end_to_end(app, client, make_round, make_user, outbox):
    now = utcnow()
    round_ = make_round(starts=now - timedelta(minutes=5))
    follower = make_user()
    services.subscribe(follower, round_=round_)
    db.session.commit()
    assert tasks.hourly_check() == 1
    [mail] = outbox
    link = re.search(r"(http\S+/meldingen/afmelden/\S+)", mail.get_content()).group(1)
    assert mail["List-Unsubscribe"] == f"<{link}>"
    assert client.post(link.split("//", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 200
    assert subscriptions() == []


def test_the_check_is_registered_for_every_hour(app):
    keys = {key for key, func, _hour in jobs._RECURRING if func == tasks.CHECK_FUNCTION}
    assert len(keys) == 24
    assert {hour for key, func, hour in jobs._RECURRING if func == tasks.CHECK_FUNCTION} == set(range(24))
