"""Privacy (AVG): "Mijn gegevens" (see, download, correct, delete), anonymous votes, retention,
the per-round privacy statement and its "gelezen" tick."""
import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from rounds.conftest import make_round, open_round, project  # noqa: F401  (fixtures)
from sqlalchemy import func, select

from participatie.accounts import privacy, services, tasks
from participatie.accounts.models import PrivacyAcknowledgement, User
from participatie.audit.models import AuditEntry
from participatie.contributions import services as contributions
from participatie.contributions.models import Contribution, Reply, Vote
from participatie.extensions import db
from participatie.jobs import _RECURRING
from participatie.moderation.models import Flag
from participatie.permissions import Role
from participatie.rounds.models import VOTES_KEEP_ANONYMOUS

POINT = {"type": "Point", "coordinates": [5.12, 52.09]}
PASSWORD = "correct-horse-battery-9"


def contribute(round_, author, text="Een boom bij de school"):
    item = contributions.create_contribution(round_, author, theme="natuur", text=text, geometry=POINT)
    db.session.commit()
    return item


def vote(round_, user, contribution, value="support"):
    contributions.cast_vote(round_, user, value, contribution_id=contribution.id)
    db.session.commit()


# --- the registry ------------------------------------------------------------------------------------


def test_every_domain_contributes_its_part(app, make_user):
    keys = [p.key for p in services.personal_data_providers()]
    assert keys[0] == "account"
    for key in ("contributions", "replies", "votes", "flags", "subscriptions", "notification_preferences",
                "map_table_sessions", "privacy_acknowledgements"):
        assert key in keys
    user = make_user()
    for provider in services.personal_data_providers():
        rows = provider.rows(user)  # every provider's query runs, also with nothing to show
        assert isinstance(rows, list) and all(set(row) <= {k for k, _label in provider.columns} for row in rows)


def test_collect_holds_the_persons_data_and_nobody_elses(app, open_round, make_user):
    anna, bert = make_user(display_name="Anna"), make_user(display_name="Bert")
    mine = contribute(open_round, anna, "Tekst van Anna")
    theirs = contribute(open_round, bert, "Tekst van Bert")
    contributions.add_reply(theirs, anna, "Antwoord van Anna")
    vote(open_round, anna, theirs)
    db.session.add(Flag(contribution_id=theirs.id, user_id=anna.id, reason="spam"))
    db.session.commit()
    sections = {s.key: s for s in privacy.collect(anna)}
    assert sections["account"].rows[0]["email"] == anna.email
    assert [r["text"] for r in sections["contributions"].rows] == ["Tekst van Anna"]
    assert [r["id"] for r in sections["contributions"].rows] == [mine.id]
    assert [r["text"] for r in sections["replies"].rows] == ["Antwoord van Anna"]
    assert [r["contribution_id"] for r in sections["votes"].rows] == [theirs.id]
    assert [r["reason"] for r in sections["flags"].rows] == ["spam"]
    everything = privacy.export_json(anna)
    assert "Tekst van Bert" not in everything and bert.email not in everything


def test_json_and_csv_exports(app, open_round, make_user):
    anna = make_user(display_name="Anna")
    contribute(open_round, anna, "=HYPERLINK(\"http://evil\")")
    data = json.loads(privacy.export_json(anna))
    assert data["sections"]["account"][0]["display_name"] == "Anna"
    assert data["sections"]["contributions"][0]["text"] == "=HYPERLINK(\"http://evil\")"
    assert data["sections"]["contributions"][0]["geometry"] == POINT
    rows = list(csv.reader(io.StringIO(privacy.export_csv(anna).lstrip("\ufeff"))))
    assert rows[0] == ["onderdeel", "nummer", "veld", "waarde"]
    assert ["Account", "1", "E-mailadres", anna.email] in rows
    # A spreadsheet never runs a text as a formula.
    assert ["Uw inbreng", "1", "Tekst", "'=HYPERLINK(\"http://evil\")"] in rows


@pytest.mark.parametrize("area", ["0123", "35111", "351", "abcd", "３５１１"])
def test_postcode_area_must_be_four_digits(app, make_user, area):
    user = make_user()
    with pytest.raises(privacy.ValidationError) as error:
        privacy.update_details(user, "Anna", area)
    assert "postcode_area" in error.value.errors


def test_update_details(app, make_user):
    user = make_user()
    privacy.update_details(user, "  Anna  ", "3511")
    assert (user.display_name, user.postcode_area) == ("Anna", "3511")
    privacy.update_details(user, "Anna", "")
    assert user.postcode_area is None


# --- deleting an account -----------------------------------------------------------------------------


def test_delete_keeping_contributions_anonymised_and_votes_per_round_policy(app, make_round, make_user):
    keep_round = make_round(votes_on_account_deletion=VOTES_KEEP_ANONYMOUS)
    remove_round = make_round()
    anna, bert = make_user(display_name="Anna"), make_user(display_name="Bert")
    anna_email = anna.email
    kept_target = contribute(keep_round, bert)
    removed_target = contribute(remove_round, bert)
    own = contribute(keep_round, anna, "Blijft staan")
    reply = contributions.add_reply(kept_target, anna, "Mijn antwoord")
    db.session.commit()
    vote(keep_round, anna, kept_target)
    vote(remove_round, anna, removed_target)
    vote(keep_round, bert, own)
    anna_id = anna.id

    counts = privacy.delete_account(anna, PASSWORD, keep_contributions=True)

    assert counts == {"contributions": 1, "replies": 1, "votes_kept": 1, "votes_removed": 1}
    db.session.expire_all()
    assert db.session.get(User, anna_id) is None
    assert db.session.get(Contribution, own.id).author_id is None
    assert db.session.get(Reply, reply.id).author_id is None
    # The kept vote still counts, held by a placeholder that is no person and cannot log in.
    kept = db.session.scalars(select(Vote).where(Vote.contribution_id == kept_target.id)).all()
    assert len(kept) == 1
    placeholder = db.session.get(User, kept[0].user_id)
    assert placeholder.placeholder and not placeholder.active and placeholder.roles == []
    assert placeholder.email.endswith("@deelnemer.invalid") and services.authenticate(placeholder.email, "!") is None
    assert placeholder not in services.search_users("").items
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.contribution_id == removed_target.id)) == 0
    # Bert's vote on the contribution that stayed is still there.
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.contribution_id == own.id)) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deleted"))
    assert entry.object_id == str(anna_id) and entry.details["choice"] == "anonymise"
    assert anna_email not in json.dumps(entry.details)


def test_delete_with_contributions_removes_them(app, open_round, make_user):
    anna, bert = make_user(), make_user()
    own = contribute(open_round, anna)
    other = contribute(open_round, bert)
    reply = contributions.add_reply(other, anna, "Weg ermee")
    db.session.commit()
    own_id, reply_id = own.id, reply.id
    privacy.delete_account(anna, PASSWORD, keep_contributions=False)
    db.session.expire_all()
    assert db.session.get(Contribution, own_id) is None and db.session.get(Reply, reply_id) is None
    assert db.session.get(Contribution, other.id) is not None


def test_delete_needs_the_right_password(app, make_user):
    anna = make_user()
    with pytest.raises(privacy.Refused):
        privacy.delete_account(anna, "not-the-password", keep_contributions=True)
    assert db.session.get(User, anna.id) is not None


def test_the_last_admin_cannot_delete_their_account(app, make_user):
    admin = make_user(roles=(Role.ADMIN,))
    with pytest.raises(privacy.Refused):
        privacy.delete_account(admin, PASSWORD, keep_contributions=True)
    make_user(roles=(Role.ADMIN,))
    privacy.delete_account(admin, PASSWORD, keep_contributions=True)


# --- retention ---------------------------------------------------------------------------------------

NOW = datetime(2028, 6, 15, 12, 0)


def test_retention_purges_rounds_closed_longer_ago_than_configured(app, make_round, make_user):
    old, recent = make_round(), make_round()  # open now, while the input is written
    voters = [make_user() for _ in range(3)]
    items = {}
    for round_ in (old, recent):
        item = contributions.create_contribution(round_, voters[0], theme="natuur", text="Hier", geometry=POINT)
        item.contact_name, item.contact_details, item.original_text = "Jan Jansen", "06 12345678", "Jan zei"
        contributions.add_reply(item, voters[1], "Eens")
        for voter in voters:
            contributions.cast_vote(round_, voter, "support", contribution_id=item.id)
        db.session.add(Flag(contribution_id=item.id, user_id=voters[2].id, reason="spam"))
        privacy.acknowledge(voters[0], round_)
        db.session.commit()
        items[round_.slug] = item.id
    old.starts_at, old.ends_at = NOW - timedelta(days=500), NOW - timedelta(days=400)
    recent.starts_at, recent.ends_at = NOW - timedelta(days=300), NOW - timedelta(days=200)
    ancient = AuditEntry(action="export", created_at=NOW - timedelta(days=31 * 85))
    kept_entry = AuditEntry(action="export", created_at=NOW - timedelta(days=31 * 80))
    db.session.add_all([ancient, kept_entry])
    db.session.commit()
    ancient_id, kept_entry_id = ancient.id, kept_entry.id

    result = privacy.purge_expired(NOW)

    assert list(result["rounds"]) == [old.slug] and result["audit_entries"] == 1
    db.session.expire_all()
    purged = db.session.get(Contribution, items[old.slug])
    assert (purged.author_id, purged.contact_name, purged.contact_details, purged.original_text) == (None,) * 4
    assert purged.text == "Hier"
    assert all(r.author_id is None for r in purged.replies)
    votes = db.session.scalars(select(Vote).where(Vote.round_id == old.id)).all()
    assert len(votes) == 3 and len({v.user_id for v in votes}) == 3  # counts and distinct voters unchanged
    assert {v.user_id for v in votes}.isdisjoint({u.id for u in voters})
    assert all(db.session.get(User, v.user_id).placeholder for v in votes)
    assert db.session.scalar(select(func.count()).select_from(Flag).where(Flag.contribution_id == purged.id)) == 0
    assert db.session.get(PrivacyAcknowledgement, (voters[0].id, old.id)) is None
    # The recent round is untouched.
    untouched = db.session.get(Contribution, items[recent.slug])
    assert untouched.author_id == voters[0].id and untouched.contact_name == "Jan Jansen"
    assert {v.user_id for v in db.session.scalars(select(Vote).where(Vote.round_id == recent.id))} == {u.id for u in voters}
    assert db.session.get(AuditEntry, ancient_id) is None and db.session.get(AuditEntry, kept_entry_id) is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.round_purged")).round_id == old.id

    # Idempotent: a second run changes nothing and makes no new placeholders.
    placeholders = db.session.scalar(select(func.count()).select_from(User).where(User.placeholder.is_(True)))
    assert privacy.purge_expired(NOW) == {"rounds": {}, "audit_entries": 0}
    assert db.session.scalar(select(func.count()).select_from(User).where(User.placeholder.is_(True))) == placeholders

    # A year later the other round goes too, and reuses the placeholders.
    later = privacy.purge_expired(NOW + timedelta(days=400))
    assert list(later["rounds"]) == [recent.slug]
    assert db.session.scalar(select(func.count()).select_from(User).where(User.placeholder.is_(True))) == placeholders


def test_retention_months_are_configurable(app, make_round, make_user):
    assert privacy.add_months(NOW, -1) == datetime(2028, 5, 15, 12, 0)
    assert privacy.add_months(datetime(2028, 3, 31), -1) == datetime(2028, 2, 29)
    round_ = make_round()
    item = contribute(round_, make_user())
    round_.starts_at, round_.ends_at = NOW - timedelta(days=50), NOW - timedelta(days=40)
    db.session.commit()
    assert privacy.purge_expired(NOW)["rounds"] == {}
    app.config["RETENTION_MONTHS"] = 1
    assert list(privacy.purge_expired(NOW)["rounds"]) == [round_.slug]
    assert db.session.get(Contribution, item.id).author_id is None


def test_retention_job_is_scheduled_nightly(app):
    assert (tasks.RETENTION_KEY, tasks.RETENTION_FUNCTION, tasks.RETENTION_HOUR) in _RECURRING


# --- the privacy statement and its "gelezen" tick ------------------------------------------------------


def test_default_and_custom_privacy_statement(client, make_round):
    default = make_round(title="Zon op dak")
    custom = make_round(privacy_purpose="Alleen voor het zonneplan.", privacy_legal_basis="Wettelijke plicht.",
                        privacy_contact="fg@example.nl", votes_on_account_deletion=VOTES_KEEP_ANONYMOUS)
    page = client.get(f"/rondes/{default.slug}/privacy").get_data(as_text=True)
    assert "Zon op dak" in page and "AVG artikel 6, lid 1, onder e" in page
    assert "12 maanden na het sluiten van de ronde" in page and "privacy@provincie-utrecht.example" in page
    assert "halen we uw stemmen in deze ronde weg" in page
    page = client.get(f"/rondes/{custom.slug}/privacy").get_data(as_text=True)
    for text in ("Alleen voor het zonneplan.", "Wettelijke plicht.", "fg@example.nl", "blijven uw stemmen"):
        assert text in page
    assert client.get("/rondes/bestaat-niet/privacy").status_code == 404


def test_first_contribution_needs_the_privacy_tick(app, client, make_round, make_user):
    app.config["PRIVACY_ACKNOWLEDGEMENT_REQUIRED"] = True  # off elsewhere in the suite (tests/conftest.py)
    round_ = make_round()
    user = make_user()
    client.post("/account/inloggen", data={"email": user.email, "password": PASSWORD})
    url = f"/rondes/{round_.slug}/inbreng/nieuw"
    form = client.get(url).get_data(as_text=True)
    assert form.index("Wat gebeurt er met uw inbreng?") < form.index('name="privacy_read"')
    data = {"theme": "natuur", "text": "Zonder vinkje", "geometry": json.dumps(POINT)}
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "vink dan aan dat u het hebt gelezen" in body and "Zonder vinkje" in body
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
    assert client.post(url, data={**data, "privacy_read": "y"}).status_code == 302
    assert db.session.get(PrivacyAcknowledgement, (user.id, round_.id)) is not None
    # Read once per round: the second contribution needs no tick, and the box is gone.
    assert 'name="privacy_read"' not in client.get(url).get_data(as_text=True)
    assert client.post(url, data={**data, "text": "Tweede keer"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 2
    # Another round asks again.
    other = make_round()
    assert 'name="privacy_read"' in client.get(f"/rondes/{other.slug}/inbreng/nieuw").get_data(as_text=True)


# --- HTTP: Mijn gegevens ---------------------------------------------------------------------------


def test_my_data_needs_a_login_and_a_role(client, login_as):
    for path in ("/account/gegevens", "/account/gegevens.json", "/account/gegevens.csv", "/account/verwijderen"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/inloggen" in response.location
    assert client.post("/account/verwijderen").status_code == 401
    login_as(None)  # an account without any role
    assert client.get("/account/gegevens").status_code == 403
    assert client.post("/account/overal-uitloggen").status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_only_their_own_data(client, login_as, make_user, open_round, role):
    other = make_user(display_name="Iemand Anders")
    contribute(open_round, other, "Geheime tekst van een ander")
    me = login_as(role, display_name="Ikzelf")
    contribute(open_round, me, "Mijn eigen tekst")
    for path in ("/account/gegevens", "/account/gegevens.json", "/account/gegevens.csv"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert me.email in body and "Mijn eigen tekst" in body
        assert other.email not in body and "Geheime tekst van een ander" not in body and "Iemand Anders" not in body


def test_downloads_are_attachments(client, login_as):
    login_as()
    json_download = client.get("/account/gegevens.json")
    assert json_download.mimetype == "application/json"
    assert json_download.headers["Content-Disposition"] == "attachment; filename=mijn-gegevens.json"
    assert json.loads(json_download.data)["sections"]["account"]
    csv_download = client.get("/account/gegevens.csv")
    assert csv_download.mimetype == "text/csv"
    assert csv_download.headers["Content-Disposition"] == "attachment; filename=mijn-gegevens.csv"


def test_correcting_name_and_postcode_area(client, login_as):
    user = login_as(display_name="Anna")
    response = client.post("/account/gegevens", data={"display_name": "Anna B.", "postcode_area": "3511"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.display_name, user.postcode_area) == ("Anna B.", "3511")
    wrong = client.post("/account/gegevens", data={"display_name": "Anna <b>C</b>", "postcode_area": "35AB"})
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "Vul de 4 cijfers van uw postcode in" in body
    assert 'value="35AB"' in body and "Anna &lt;b&gt;C&lt;/b&gt;" in body and "<b>C</b>" not in body
    db.session.expire_all()
    assert user.display_name == "Anna B."


def test_deleting_the_account_over_http(client, login_as, make_user, open_round):
    user = login_as(display_name="Anna")
    item = contribute(open_round, user, "Blijft staan zonder naam")
    user_id = user.id
    wrong = client.post("/account/verwijderen", data={"contributions": "keep", "password": "wrong-password-1"})
    assert wrong.status_code == 400 and "Het wachtwoord klopt niet" in wrong.get_data(as_text=True)
    assert db.session.get(User, user_id) is not None
    missing = client.post("/account/verwijderen", data={"password": PASSWORD})
    assert missing.status_code == 400
    done = client.post("/account/verwijderen", data={"contributions": "keep", "password": PASSWORD})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert client.get("/account/gegevens").status_code == 302  # logged out
    page = client.get(f"/rondes/{open_round.slug}/inbreng/{item.id}").get_data(as_text=True)
    assert "Blijft staan zonder naam" in page and "een deelnemer" in page and "Anna" not in page


# --- registering ------------------------------------------------------------------------------------


def test_registration_asks_the_postcode_area_with_its_purpose_and_stores_it(client):
    form = client.get("/account/registreren").get_data(as_text=True)
    assert 'name="postcode_area"' in form and "uit welke gebieden mensen meedoen" in form
    client.post("/account/registreren", data={"email": "anna@example.nl", "password": PASSWORD,
                                               "password_confirm": PASSWORD, "display_name": "Anna",
                                               "postcode_area": "3511"})
    assert services.find_user_by_email("anna@example.nl").postcode_area == "3511"


def test_admin_sets_the_privacy_statement_and_vote_policy_of_a_round(client, project, login_as):
    from rounds.test_views import round_form

    from participatie.rounds.models import Round

    login_as(Role.ADMIN)
    data = round_form(project, privacy_purpose="Voor het zonneplan.", privacy_legal_basis="Een wettelijke taak.",
                      privacy_contact="fg@example.nl", votes_on_account_deletion=VOTES_KEEP_ANONYMOUS)
    assert client.post("/beheer/rondes/nieuw", data=data).status_code == 302
    made = db.session.scalar(select(Round))
    assert (made.privacy_purpose, made.privacy_legal_basis, made.privacy_contact, made.votes_on_account_deletion) == (
        "Voor het zonneplan.", "Een wettelijke taak.", "fg@example.nl", VOTES_KEEP_ANONYMOUS)
    edit = client.get(f"/beheer/rondes/{made.id}").get_data(as_text=True)
    assert "Voor het zonneplan." in edit and 'checked id="votes_on_account_deletion-1"' in edit
    wrong = client.post("/beheer/rondes/nieuw", data={**data, "slug": "andere", "votes_on_account_deletion": "x"})
    assert wrong.status_code == 400
