"""Map-table input is marked with its channel, session and organisation everywhere: map, list,
detail, exports (organisation column, sessions sheet) and summaries (per organisation)."""
import io

from openpyxl import load_workbook

from participatie.exports import services as exports
from participatie.extensions import db
from participatie.maptable import services
from participatie.permissions import Role
from participatie.summaries import inputs


def _input(make_session, organisations, name="Staatsbosbeheer"):
    session = make_session("natuur", title="Sessie natuur")
    item = services.add_input(session, organisation_id=organisations[name].id, theme="natuur",
                              text="Bosrand sparen", place="utrecht")
    db.session.commit()
    return session, item


def test_map_list_and_detail_show_channel_session_and_organisation(make_session, organisations, client, open_round):
    session, item = _input(make_session, organisations)
    data = client.get(f"/rondes/{open_round.slug}/inbreng.geojson?bbox=4,51,6,53").get_json()
    properties = data["features"][0]["properties"]
    assert "Staatsbosbeheer" in properties["organisation"] and "Sessie natuur" in properties["session"]
    assert "channel" in properties
    listing = client.get(f"/rondes/{open_round.slug}/inbreng").get_data(as_text=True)
    assert "Organisatie: Staatsbosbeheer" in listing and "Sessie: Sessie natuur" in listing
    detail = client.get(f"/rondes/{open_round.slug}/inbreng/{item.id}").get_data(as_text=True)
    assert "Staatsbosbeheer" in detail and "Sessie natuur" in detail


def test_export_prefers_the_contributions_organisation(make_session, organisations, make_user, open_round):
    # A facilitator (of no organisation, or of another one) entered it on behalf of Staatsbosbeheer.
    facilitator = make_user(roles=(Role.FACILITATOR,), organisation=organisations["LTO Noord"])
    session = make_session("natuur", title="Sessie natuur")
    services.add_input(session, organisation_id=organisations["Staatsbosbeheer"].id, theme="natuur",
                       text="Bosrand", author=facilitator)
    db.session.commit()
    [row] = [r for batch in exports.iter_contribution_batches(open_round, "s") for r in batch]
    assert row.organisation == "Staatsbosbeheer" and row.channel == "kaarttafel"


def test_xlsx_sessions_sheet_is_filled(make_session, organisations, open_round):
    session, _item = _input(make_session, organisations)
    make_session("landbouw", title="Sessie landbouw")
    target = io.BytesIO()
    exports.write_xlsx(open_round, target, "s")
    sheet = load_workbook(io.BytesIO(target.getvalue()))["sessions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == exports.SESSION_COLUMNS
    by_title = {r[1]: r for r in rows[1:] if r[0] is not None}
    assert by_title["Sessie natuur"][6] == 1 and by_title["Sessie landbouw"][6] == 0
    assert "Staatsbosbeheer" in by_title["Sessie natuur"][3]


def test_summaries_count_map_table_input_per_organisation(make_session, organisations, open_round):
    _input(make_session, organisations)
    data = inputs.load(open_round, None, {}, "test")
    assert data.organisations == ["Staatsbosbeheer"] and data.channels == ["kaarttafel"]
    from participatie.summaries.services import _breakdowns
    groups = {}
    out = _breakdowns(data, groups)
    assert out["kaarttafel_by_organisation"] == [
        {"organisation": "Staatsbosbeheer", "count": 1, "group": "channel:kaarttafel:organisation:Staatsbosbeheer"}]
