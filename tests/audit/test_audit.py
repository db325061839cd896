"""The audit log: recording, the admin page with its filters, the CSV export, and no way to change it."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from participatie.accounts.models import utcnow
from participatie.audit import services
from participatie.audit.models import AuditEntry
from participatie.extensions import db
from participatie.permissions import Role


def entry_at(action, actor, when: datetime, **details) -> AuditEntry:
    entry = services.record(action, actor, object_type="round", object_id="r", round_id=None, **details)
    entry.created_at = when
    db.session.commit()
    return entry


def test_record_keeps_who_what_when_and_details(app, make_user):
    analyst = make_user(roles=(Role.POLICY_ANALYST,), display_name="Petra Beleid")
    entry = services.record("export.csv", analyst, object_type="round", object_id="kansenkaart", round_id=7,
                            rows=12, format="csv")
    db.session.commit()
    stored = db.session.get(AuditEntry, entry.id)
    assert (stored.actor_id, stored.action, stored.object_type, stored.object_id, stored.round_id) == (
        analyst.id, "export.csv", "round", "kansenkaart", 7)
    assert stored.details == {"rows": 12, "format": "csv", "roles": ["policy_analyst"]}
    assert abs(stored.created_at - utcnow()) < timedelta(minutes=1)


def test_record_for_a_visitor_has_no_actor(app):
    from flask_login import AnonymousUserMixin

    entry = services.record("export.open_data_csv", AnonymousUserMixin(), rows=3)
    assert entry.actor_id is None and entry.details == {"rows": 3}
    assert services.record("job.done", None).actor_id is None


def test_entry_survives_its_actor(app, make_user):
    user = make_user(roles=(Role.ADMIN,))
    entry = services.record("export.contacts", user, purpose="terugkoppeling")
    db.session.commit()
    db.session.delete(user)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(AuditEntry, entry.id)
    assert kept.actor_id is None and kept.details["purpose"] == "terugkoppeling"


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.MODERATOR, Role.POLICY_ANALYST])
def test_only_admins_see_the_log(client, login_as, role):
    login_as(role)
    assert client.get("/beheer/audit").status_code == 403
    assert client.get("/beheer/audit/export.csv").status_code == 403


@pytest.fixture
def log(app, make_user):
    petra = make_user(email="petra@example.org", display_name="Petra Beleid", roles=(Role.POLICY_ANALYST,))
    karel = make_user(email="karel@example.org", display_name="Karel Beheer", roles=(Role.ADMIN,))
    entry_at("export.csv", petra, datetime(2026, 3, 1, 10), rows=5, format="csv")
    entry_at("export.xlsx", petra, datetime(2026, 3, 5, 10), rows=6, format="xlsx")
    entry_at("export.contacts", karel, datetime(2026, 3, 9, 22, 30), rows=2, purpose="Terugkoppelavond")
    return petra, karel


def test_the_page_lists_and_filters(client, login_as, log):
    petra, _karel = log
    login_as(Role.ADMIN)
    page = client.get("/beheer/audit").get_data(as_text=True)
    assert "export.contacts" in page and "Terugkoppelavond" in page and "Petra Beleid" in page

    def actions(**query):
        response = client.get("/beheer/audit", query_string=query)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        return {a for a in ("export.csv", "export.xlsx", "export.contacts") if f"<code>{a}</code>" in body}

    assert actions(action="export.csv") == {"export.csv"}
    assert actions(actor="petra@example.org") == {"export.csv", "export.xlsx"}
    assert actions(actor="karel") == {"export.contacts"}
    assert actions(actor=str(petra.id)) == {"export.csv", "export.xlsx"}
    assert actions(since="2026-03-02", until="2026-03-05") == {"export.xlsx"}
    # 22:30 UTC on 9 March is 23:30 in Amsterdam: still the 9th there.
    assert actions(since="2026-03-09", until="2026-03-09") == {"export.contacts"}
    assert actions(since="2026-03-10") == set()
    assert actions(since="geen datum") == {"export.csv", "export.xlsx", "export.contacts"}
    assert actions(action="bestaat-niet") == {"export.csv", "export.xlsx", "export.contacts"}


def test_services_filter(app, log):
    petra, _karel = log
    found = services.entries(services.AuditFilter(actor="PETRA@example.org"))
    assert found.total == 2 and [e.action for e in found.entries] == ["export.xlsx", "export.csv"]
    assert services.count(services.AuditFilter(since=date(2026, 3, 5))) == 2
    assert services.actions() == ["export.contacts", "export.csv", "export.xlsx"]
    paged = services.entries(services.AuditFilter(), page=2, per_page=2)
    assert paged.page == 2 and len(paged.entries) == 1 and paged.pages == 2


def test_csv_export_of_the_log_is_itself_logged(client, login_as, log):
    admin = login_as(Role.ADMIN)
    response = client.get("/beheer/audit/export.csv", query_string={"actor": "petra@example.org"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["export.xlsx", "export.csv"]
    assert rows[0]["actor"] == "Petra Beleid" and rows[0]["rows"] == "6" and rows[0]["format"] == "xlsx"
    assert "petra@example.org" not in body.decode("utf-8-sig")
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).one()
    assert logged.actor_id == admin.id and logged.details["rows"] == 2
    assert logged.details["filters"]["actor"] == "petra@example.org"


def test_the_log_cannot_be_changed_through_the_app(app, client, login_as, log):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/beheer/audit")]
    assert rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)
    login_as(Role.ADMIN)
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/beheer/audit").status_code == 405
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
