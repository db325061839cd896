"""Moderation over HTTP: the warning before saving, the queue and its decisions (two tabs, bulk),
redaction, flags, input on paper; who may do what (403 and logged); and that pending or hidden
content, originals and contact details never reach public pages, the map's GeoJSON or /ogc."""
from datetime import date

import pytest
from sqlalchemy import select

from participatie.audit.models import AuditEntry
from participatie.contributions import services as contributions
from participatie.contributions.models import HIDDEN, PENDING, PUBLISHED, Contribution, Reply
from participatie.extensions import db
from participatie.moderation import services as moderation
from participatie.permissions import Role

from rounds.conftest import INSIDE

PHONE_TEXT = "Bel mij gerust op 06-12345678 over het zonneveld."
BBOX = "4.9,51.9,5.4,52.3"


def contribute(client, round_, **data):
    data.setdefault("theme", "natuur")
    data.setdefault("text", "Hier broeden grutto's.")
    data.setdefault("place", "houten")
    data.setdefault("privacy_read", "y")
    return client.post(f"/rondes/{round_.slug}/inbreng/nieuw", data=data, content_type="multipart/form-data")


def make(round_, author, text="Mooie plek voor een zonneveld.", **kwargs):
    made = contributions.create_contribution(round_, author, theme="natuur", text=text, geometry=INSIDE, **kwargs)
    db.session.commit()
    return made


def actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


# --- the resident's side ----------------------------------------------------------------------------

def test_personal_data_warning_keeps_the_text_then_send_anyway(client, login_as, open_round):
    login_as(Role.RESIDENT)
    warned = contribute(client, open_round, text=PHONE_TEXT)
    assert warned.status_code == 400
    page = warned.get_data(as_text=True)
    assert "persoonsgegevens" in page and "telefoonnummer" in page and "06-12345678" in page
    assert "Toch versturen" in page and 'name="confirm_personal_data"' in page
    assert "Bel mij gerust op 06-12345678 over het zonneveld.</textarea>" in page
    assert db.session.scalar(select(Contribution.id)) is None
    sent = contribute(client, open_round, text=PHONE_TEXT, confirm_personal_data="y")
    assert sent.status_code == 302
    made = db.session.scalars(select(Contribution)).one()
    assert made.status == PENDING and made.held_reasons == ["phone"]
    landed = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "wordt eerst bekeken" in landed


def test_reply_with_personal_data_is_warned_then_held(client, login_as, open_round, make_user):
    parent = make(open_round, make_user())
    login_as(Role.RESIDENT)
    url = f"/rondes/{open_round.slug}/inbreng/{parent.id}/antwoord"
    warned = client.post(url, data={"text": "Mail mij op piet@example.nl"})
    assert warned.status_code == 400 and "e-mailadres" in warned.get_data(as_text=True)
    assert client.post(url, data={"text": "Mail mij op piet@example.nl", "confirm_personal_data": "y"}).status_code == 302
    reply = db.session.scalars(select(Reply)).one()
    assert reply.status == PENDING and reply.held_reasons == ["email"]


# --- who may moderate -------------------------------------------------------------------------------

def moderation_requests(round_, item_id):
    return [
        ("get", "/moderatie", None),
        ("get", f"/moderatie/inbreng/{item_id}", None),
        ("post", f"/moderatie/inbreng/{item_id}/besluit", {"action": "approve", "seen": "published"}),
        ("post", f"/moderatie/inbreng/{item_id}/bewerken", {"text": "weg", "seen": "published"}),
        ("post", "/moderatie/bulk", {"action": "approve", "items": f"contribution:{item_id}:published"}),
        ("get", f"/moderatie/rondes/{round_.slug}/invoer", None),
        ("post", f"/moderatie/rondes/{round_.slug}/invoer", {"channel": "paper", "text": "x", "theme": "natuur"}),
    ]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAKEHOLDER, Role.FACILITATOR])
def test_other_roles_get_403_on_every_moderation_route(client, login_as, open_round, make_user, role):
    made = make(open_round, make_user())
    user = login_as(role)
    for method, url, data in moderation_requests(open_round, made.id):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 403, (role, method, url)
    db.session.refresh(made)
    assert made.status == PUBLISHED and made.text == "Mooie plek voor een zonneveld."
    forged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.forbidden")).all()
    assert len(forged) == 4 and all(e.actor_id == user.id for e in forged)


def test_visitors_are_sent_to_login(client, open_round, make_user):
    made = make(open_round, make_user())
    for method, url, data in moderation_requests(open_round, made.id):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == (302 if method == "get" else 401), url


def test_moderators_and_admins_may(client, login_as, open_round):
    login_as(Role.ADMIN)
    assert client.get("/moderatie").status_code == 200
    assert client.get(f"/moderatie/rondes/{open_round.slug}/invoer").status_code == 200


def test_only_moderators_see_the_way_in(client, login_as, auth, open_round, make_user):
    made = make(open_round, make_user())
    url = f"/rondes/{open_round.slug}/inbreng/{made.id}"
    login_as(Role.FACILITATOR)
    page = client.get(url).get_data(as_text=True)
    assert 'href="/moderatie"' not in page and f"/moderatie/inbreng/{made.id}" not in page
    auth.logout()
    login_as(Role.MODERATOR)
    page = client.get(url).get_data(as_text=True)
    assert 'href="/moderatie"' in page and f"/moderatie/inbreng/{made.id}" in page


# --- the queue and decisions ------------------------------------------------------------------------

def test_queue_shows_held_and_flagged_items_with_reasons(client, login_as, open_round, make_user):
    held = make(open_round, make_user(), text="Tekst met piet@example.nl", held_reasons=["email"])
    flagged = make(open_round, make_user(), text="Een gemelde tekst.")
    moderation.flag(flagged, make_user(), "insulting", "grof")
    make(open_round, make_user(), text="Gewone gepubliceerde tekst.")
    db.session.commit()
    login_as(Role.MODERATOR)
    page = client.get("/moderatie").get_data(as_text=True)
    assert "Tekst met piet@example.nl" in page and "Een gemelde tekst." in page
    assert "Gewone gepubliceerde tekst." not in page
    assert "e-mailadres" in page and "Beledigend (1)" in page
    assert page.index("Tekst met piet@example.nl") < page.index("Een gemelde tekst.")  # oldest first
    only_flags = client.get("/moderatie?status=flagged").get_data(as_text=True)
    assert "Een gemelde tekst." in only_flags and "Tekst met piet" not in only_flags
    by_reason = client.get("/moderatie?reden=email").get_data(as_text=True)
    assert "Tekst met piet" in by_reason and "Een gemelde tekst." not in by_reason
    assert held.id


def test_redact_and_approve_over_http(client, login_as, open_round, make_user):
    made = make(open_round, make_user(), text=PHONE_TEXT, held_reasons=["phone"])
    login_as(Role.MODERATOR)
    item_page = client.get(f"/moderatie/inbreng/{made.id}").get_data(as_text=True)
    assert PHONE_TEXT in item_page
    response = client.post(f"/moderatie/inbreng/{made.id}/bewerken",
                           data={"seen": "pending", "text": "Bel mij gerust op [telefoonnummer] over het zonneveld."})
    assert response.status_code == 302
    assert "Originele tekst" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(f"/moderatie/inbreng/{made.id}/besluit", data={"seen": "pending", "action": "approve"})
    assert response.status_code == 302
    db.session.refresh(made)
    assert made.status == PUBLISHED and made.original_text == PHONE_TEXT
    assert actions() == ["moderation.redacted", "moderation.approved"]


def test_second_tab_gets_409_with_what_happened(client, login_as, open_round, make_user):
    made = make(open_round, make_user())
    other = make_user(roles=(Role.MODERATOR,), display_name="Moderator Els")
    moderation.hide(made, other, PUBLISHED, "respect")
    db.session.commit()
    login_as(Role.MODERATOR)
    response = client.post(f"/moderatie/inbreng/{made.id}/besluit", data={"seen": "published", "action": "approve"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Moderator Els" in page and "verborgen" in page
    db.session.refresh(made)
    assert made.status == HIDDEN and actions() == ["moderation.hidden"]


def test_reject_without_reason_is_400_and_keeps_the_form(client, login_as, open_round, make_user):
    made = make(open_round, make_user())
    login_as(Role.MODERATOR)
    response = client.post(f"/moderatie/inbreng/{made.id}/besluit",
                           data={"seen": "published", "action": "reject", "note": "mijn notitie"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "error-summary" in page and "reden van de afwijzing" in page and 'value="mijn notitie"' in page


def test_bulk_without_javascript(client, login_as, open_round, make_user):
    a = make(open_round, make_user(), text="Eerste", held_reasons=["links"])
    b = make(open_round, make_user(), text="Tweede", held_reasons=["links"])
    login_as(Role.MODERATOR)
    response = client.post("/moderatie/bulk", data={
        "action": "hide", "rule": "no_spam", "items": [f"contribution:{a.id}:pending", f"contribution:{b.id}:pending"],
        "next": "/moderatie"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderatie")
    db.session.refresh(a)
    db.session.refresh(b)
    assert a.status == b.status == HIDDEN
    assert actions() == ["moderation.hidden", "moderation.hidden"]


def test_queue_page_has_checkboxes_tied_to_the_bulk_form(client, login_as, open_round, make_user):
    made = make(open_round, make_user(), held_reasons=["links"])
    login_as(Role.MODERATOR)
    page = client.get("/moderatie").get_data(as_text=True)
    assert f'value="contribution:{made.id}:pending" form="bulk-form"' in page


# --- flags over HTTP --------------------------------------------------------------------------------

def test_flag_form_and_refusals(client, login_as, open_round, make_user):
    author = make_user()
    made = make(open_round, author)
    user = login_as(Role.RESIDENT)
    url = f"/rondes/{open_round.slug}/inbreng/{made.id}"
    assert f'action="{url}/melden"' in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/melden", data={"reason": "spam"}).status_code == 302
    again = client.post(f"{url}/melden", data={"reason": "insulting"})
    assert again.status_code == 403 and "al gemeld" in again.get_data(as_text=True)
    assert client.post(f"{url}/melden", data={"reason": "nonsense"}).status_code == 400
    refused = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.flag_refused")).all()
    assert [(e.actor_id, e.details["why"]) for e in refused] == [(user.id, "repeated")]


def test_author_cannot_flag_own_contribution(client, auth, open_round, make_user):
    author = make_user()
    made = make(open_round, author)
    auth.login(author.email)
    url = f"/rondes/{open_round.slug}/inbreng/{made.id}"
    assert "/melden" not in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/melden", data={"reason": "spam"})
    assert response.status_code == 403 and "eigen inbreng" in response.get_data(as_text=True)


def test_flagging_is_rate_limited(make_app, make_user):
    from participatie.projects.models import Project
    from participatie.rounds import services as rounds
    from rounds.conftest import AREA, utc
    app = make_app(RATELIMIT_ENABLED=True, FLAG_LIMIT="2 per hour")
    with app.app_context():
        project = Project(slug="p", title="P", status="published", area=AREA)
        db.session.add(project)
        db.session.commit()
        round_ = rounds.create_round(project, slug="r", title="R", starts_at=utc(days=-1), ends_at=utc(days=3))
        db.session.commit()
        from participatie.accounts.services import create_user
        flagger = create_user(email="f@example.org", password="correct-horse-battery-9", display_name="F",
                              roles=(Role.RESIDENT,), confirmed=True)
        items = [make(round_, create_user(email=f"a{n}@example.org", password="correct-horse-battery-9",
                                          display_name=f"A{n}", roles=(Role.RESIDENT,), confirmed=True))
                 for n in range(3)]
        db.session.commit()
        client = app.test_client()
        client.post("/account/inloggen", data={"email": "f@example.org", "password": "correct-horse-battery-9"})
        codes = [client.post(f"/rondes/r/inbreng/{i.id}/melden", data={"reason": "spam"}).status_code for i in items]
        assert codes == [302, 302, 429]


def test_hidden_reply_shows_as_hidden_with_the_rule(client, open_round, make_user):
    parent = make(open_round, make_user())
    reply = contributions.add_reply(parent, make_user(), "Een grof antwoord.")
    moderation.hide(reply, make_user(roles=(Role.MODERATOR,)), PUBLISHED, "respect")
    db.session.commit()
    page = client.get(f"/rondes/{open_round.slug}/inbreng/{parent.id}").get_data(as_text=True)
    assert "Verborgen door de moderator" in page and "Wees respectvol" in page
    assert "Een grof antwoord." not in page


def test_hidden_contribution_page_says_so_without_the_text(client, open_round, make_user):
    made = make(open_round, make_user(), text="Een beledigende tekst.")
    moderation.hide(made, make_user(roles=(Role.MODERATOR,)), PUBLISHED, "respect")
    db.session.commit()
    response = client.get(f"/rondes/{open_round.slug}/inbreng/{made.id}")
    assert response.status_code == 404  # the contribution itself is not available
    page = response.get_data(as_text=True)
    assert "Verborgen door de moderator" in page and "Wees respectvol" in page
    assert "Een beledigende tekst." not in page


# --- input on paper ---------------------------------------------------------------------------------

def test_paper_input_form_publishes_with_channel_brief(client, login_as, open_round):
    login_as(Role.MODERATOR)
    url = f"/moderatie/rondes/{open_round.slug}/invoer"
    bad = client.post(url, data={"channel": "paper", "theme": "natuur", "text": "", "received_at": "2999-01-01"})
    assert bad.status_code == 400 and "error-summary" in bad.get_data(as_text=True)
    response = client.post(url, data={
        "channel": "paper", "received_at": date.today().isoformat(), "theme": "natuur",
        "text": "Per brief: bewaar de boomgaarden.", "contact_name": "Dhr. Bakker", "contact_details": "Kerkweg 3",
        "place": "houten"})
    assert response.status_code == 302
    made = db.session.scalars(select(Contribution)).one()
    assert (made.channel, made.status, made.received_at) == ("paper", PUBLISHED, date.today())
    listing = client.get(f"/rondes/{open_round.slug}/inbreng").get_data(as_text=True)
    assert "Per brief: bewaar de boomgaarden." in listing and "Kanaal: brief" in listing
    assert "Dhr. Bakker" not in listing and "Kerkweg" not in listing
    detail = client.get(f"/rondes/{open_round.slug}/inbreng/{made.id}").get_data(as_text=True)
    assert "brief" in detail and "Kerkweg" not in detail
    geo = client.get(f"/rondes/{open_round.slug}/inbreng.geojson?bbox={BBOX}").get_json()
    assert geo["features"][0]["properties"]["channel"] == "Kanaal: brief"
    assert "moderation.entered" in actions()


# --- nothing leaks ----------------------------------------------------------------------------------

def test_pending_hidden_originals_and_contacts_never_reach_public_pages(client, open_round, make_user):
    moderator = make_user(roles=(Role.MODERATOR,))
    pending = make(open_round, make_user(), text="GEHEIM-WACHTEND 06-12345678", held_reasons=["phone"])
    hidden = make(open_round, make_user(), text="GEHEIM-VERBORGEN")
    moderation.hide(hidden, moderator, PUBLISHED, "respect")
    redacted = make(open_round, make_user(), text="GEHEIM-ORIGINEEL piet@example.nl")
    moderation.redact(redacted, moderator, PUBLISHED, "Openbare tekst zonder adres.")
    rejected = make(open_round, make_user(), text="GEHEIM-AFGEWEZEN")
    moderation.reject(rejected, moderator, PUBLISHED, "Niet over deze ronde.")
    moderation.enter_input(open_round, moderator, channel="phone", received_at=date.today(), theme="natuur",
                           text="Telefonisch.", contact_name="GEHEIM-NAAM", contact_details="GEHEIM-CONTACT")
    db.session.commit()
    pages = [
        client.get(f"/rondes/{open_round.slug}/inbreng").get_data(as_text=True),
        client.get(f"/rondes/{open_round.slug}").get_data(as_text=True),
        client.get(f"/rondes/{open_round.slug}/inbreng/{redacted.id}").get_data(as_text=True),
        client.get(f"/rondes/{open_round.slug}/inbreng/{hidden.id}").get_data(as_text=True),
        client.get(f"/rondes/{open_round.slug}/inbreng.geojson?bbox={BBOX}").get_data(as_text=True),
        client.get(f"/ogc/collections/{open_round.slug}-inbreng/items?f=json").get_data(as_text=True),
        client.get(f"/ogc/collections/{open_round.slug}-inbreng/items?f=html").get_data(as_text=True),
    ]
    for page in pages:
        assert "GEHEIM" not in page and "piet@example.nl" not in page and "06-12345678" not in page
    assert "Openbare tekst zonder adres." in pages[0]
    assert client.get(f"/rondes/{open_round.slug}/inbreng/{pending.id}").status_code == 404
    assert client.get(f"/rondes/{open_round.slug}/inbreng/{rejected.id}").status_code == 404


def test_original_text_is_not_shown_to_the_author_either(client, auth, open_round, make_user):
    author = make_user()
    made = make(open_round, author, text="Mijn nummer 06-12345678")
    moderation.redact(made, make_user(roles=(Role.MODERATOR,)), PUBLISHED, "Mijn nummer [weg]")
    db.session.commit()
    auth.login(author.email)
    page = client.get(f"/rondes/{open_round.slug}/inbreng/{made.id}").get_data(as_text=True)
    assert "06-12345678" not in page and "Mijn nummer [weg]" in page
