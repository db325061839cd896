"""The accounts services, called directly: registration, tokens, passwords, roles, organisations."""
import pytest

from participatie.accounts import services
from participatie.accounts.models import Organisation, User
from participatie.extensions import db
from participatie.permissions import Role
from tests.conftest import PASSWORD

from .conftest import link_in, path_of


def _count_users() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def test_register_user_creates_unconfirmed_resident_with_argon2id(app):
    user = services.register_user("  Anna@Example.NL ", PASSWORD, "  Anna  ")
    assert user.email == "anna@example.nl"
    assert user.display_name == "Anna"
    assert user.role_set == {Role.RESIDENT}
    assert not user.is_confirmed
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_register_user_refuses_duplicate_in_any_case(app):
    services.register_user("anna@example.nl", PASSWORD, "Anna")
    with pytest.raises(services.EmailTaken):
        services.register_user("ANNA@example.nl", PASSWORD, "Another Anna")
    assert _count_users() == 1


def test_confirmation_mail_has_external_link_that_confirms(app, outbox):
    with app.test_request_context():
        user = services.register_user("anna@example.nl", PASSWORD, "Anna")
        services.send_confirmation_mail(user)
    (mail,) = outbox
    assert mail["To"] == "anna@example.nl"
    link = link_in(mail)
    assert link.startswith("http://localhost/account/bevestigen/")
    token = path_of(link).rsplit("/", 1)[1]
    assert services.confirm_email(token).is_confirmed
    # Confirming twice does no harm.
    assert services.confirm_email(token).is_confirmed


def test_tampered_token_is_invalid(app, make_user):
    user = make_user(confirmed=False)
    token = services.make_token(user, "confirm")
    with pytest.raises(services.TokenError) as caught:
        services.confirm_email(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert caught.value.reason == "invalid"
    # A token for another purpose is not accepted either.
    with pytest.raises(services.TokenError):
        services.confirm_email(services.make_token(user, "reset"))
    assert not user.is_confirmed


def test_expired_token_is_reported_as_expired(app, make_user):
    user = make_user(confirmed=False)
    token = services.make_token(user, "confirm")
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    with pytest.raises(services.TokenError) as caught:
        services.confirm_email(token)
    assert caught.value.reason == "expired"
    assert not user.is_confirmed


def test_authenticate(app, make_user):
    user = make_user(email="anna@example.nl")
    assert services.authenticate("Anna@Example.nl ", PASSWORD) == user
    assert services.authenticate("anna@example.nl", PASSWORD + "x") is None
    assert services.authenticate("nobody@example.nl", PASSWORD) is None


def test_resend_confirmation_only_mails_unconfirmed_accounts(app, make_user, outbox):
    make_user(email="done@example.nl")
    make_user(email="waiting@example.nl", confirmed=False)
    with app.test_request_context():
        for email in ("done@example.nl", "waiting@example.nl", "nobody@example.nl"):
            services.resend_confirmation(email)
    assert [m["To"] for m in outbox] == ["waiting@example.nl"]


def test_password_reset_mails_only_existing_active_accounts(app, make_user, outbox):
    make_user(email="anna@example.nl")
    blocked = make_user(email="blocked@example.nl")
    blocked.active = False
    db.session.commit()
    with app.test_request_context():
        for email in ("anna@example.nl", "nobody@example.nl", "blocked@example.nl"):
            services.request_password_reset(email)
    assert [m["To"] for m in outbox] == ["anna@example.nl"]
    assert "/account/wachtwoord-herstellen/" in link_in(outbox[0])


def test_reset_password_changes_hash_and_ends_sessions_and_link(app, make_user):
    user = make_user(confirmed=False)
    old_session_id = user.get_id()
    token = services.make_token(user, "reset")
    services.reset_password(token, "a-brand-new-password")
    assert services.authenticate(user.email, "a-brand-new-password") == user
    assert services.authenticate(user.email, PASSWORD) is None
    assert services.load_user(old_session_id) is None
    assert services.load_user(user.get_id()) == user
    # The link proved the address, and it works only once.
    assert user.is_confirmed
    with pytest.raises(services.TokenError):
        services.reset_password(token, "yet-another-password")


def test_role_labels_are_dutch(app, make_user):
    user = make_user(roles=(Role.ADMIN, Role.RESIDENT, Role.FACILITATOR))
    with app.test_request_context():  # labels follow the visitor's language, so they need a request
        assert services.role_label(Role.STAKEHOLDER) == "belanghebbende organisatie"
        assert services.role_label("policy_analyst") == "beleidsmedewerker"
        assert services.role_labels(user) == ["bewoner", "gespreksleider", "beheerder"]


def test_update_user_sets_several_roles_organisation_and_active(app, make_user):
    admin = make_user(roles=(Role.ADMIN,))
    user = make_user()
    lto = services.save_organisation(None, "LTO", "")
    old_session_id = user.get_id()
    services.update_user(user, admin, [Role.STAKEHOLDER, Role.RESIDENT], lto.id, False)
    db.session.expire_all()
    assert user.role_set == {Role.STAKEHOLDER, Role.RESIDENT}
    assert user.organisation == lto
    assert not user.active
    # Deactivating ends the user's sessions.
    assert services.load_user(old_session_id) is None
    services.update_user(user, admin, [], 0, True)
    assert user.role_set == set() and user.organisation is None and user.active


def test_admin_cannot_lock_themselves_out(app, make_user):
    admin = make_user(roles=(Role.ADMIN, Role.RESIDENT))
    with app.test_request_context():  # the refusal is a translated message
        with pytest.raises(services.SelfLockout):
            services.update_user(admin, admin, [Role.RESIDENT], None, True)
        with pytest.raises(services.SelfLockout):
            services.update_user(admin, admin, [Role.ADMIN], None, False)
    db.session.rollback()
    assert Role.ADMIN in admin.role_set and admin.active
    # Another admin may do both.
    other = make_user(roles=(Role.ADMIN,))
    services.update_user(admin, other, [Role.RESIDENT], None, False)
    assert admin.role_set == {Role.RESIDENT} and not admin.active


def test_search_users_by_email_or_name_with_wildcards_taken_literally(app, make_user):
    make_user(email="anna@example.nl", display_name="Anna de Vries")
    make_user(email="bert@example.nl", display_name="Bert 100% zeker")
    make_user(email="cor@voorbeeld.nl", display_name="Cor")
    assert [u.email for u in services.search_users("EXAMPLE").items] == ["anna@example.nl", "bert@example.nl"]
    assert [u.email for u in services.search_users("vries").items] == ["anna@example.nl"]
    assert [u.email for u in services.search_users("100%").items] == ["bert@example.nl"]
    assert services.search_users("%").total == 1
    assert services.search_users("_").total == 0
    assert services.search_users("").total == 3


def test_search_users_pages_by_fifty(app, make_user):
    for n in range(51):
        make_user(email=f"user{n:02d}@example.nl")
    first = services.search_users("", 1)
    assert len(first.items) == 50 and first.pages == 2
    assert [u.email for u in services.search_users("", 2).items] == ["user50@example.nl"]
    assert services.search_users("", 99).items == []


def test_organisations_create_edit_and_unique_names(app):
    lto = services.save_organisation(None, " LTO Noord ", "Boeren en tuinders")
    sbb = services.save_organisation(None, "Staatsbosbeheer", "")
    assert lto.name == "LTO Noord"
    with pytest.raises(services.OrganisationNameTaken):
        services.save_organisation(None, "lto noord", "")
    with pytest.raises(services.OrganisationNameTaken):
        services.save_organisation(sbb, "LTO NOORD", "")
    db.session.rollback()
    services.save_organisation(lto, "LTO Noord", "Land- en tuinbouw")  # keeping its own name is fine
    assert [o.name for o in services.list_organisations()] == ["LTO Noord", "Staatsbosbeheer"]
    assert db.session.get(Organisation, lto.id).description == "Land- en tuinbouw"
