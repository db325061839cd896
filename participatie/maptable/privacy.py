"""What map-table sessions hold about a person: the sessions they were invited to or led. Registered
with accounts.services for "Mijn gegevens"; the links go with the account (ON DELETE CASCADE).
Retention keeps them: they record who spoke for which organisation, as the session's minutes do."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..accounts.services import PersonalData, register_personal_data
from ..extensions import db
from ..rounds.models import Round
from .models import MapTableFacilitator, MapTableParticipant, MapTableSession


def _session_rows(user: User) -> list[dict]:
    rows = []
    for link, role in ((MapTableParticipant, _l("deelnemer")), (MapTableFacilitator, _l("gespreksleider"))):
        query = (select(MapTableSession.title, MapTableSession.theme, MapTableSession.starts_at, Round.title)
                 .join(link, link.session_id == MapTableSession.id).join(Round, Round.id == MapTableSession.round_id)
                 .where(link.user_id == user.id).order_by(MapTableSession.starts_at))
        rows += [{"session": title, "round": round_title, "theme": theme, "starts_at": starts_at, "as": str(role)}
                 for title, theme, starts_at, round_title in db.session.execute(query)]
    return rows


register_personal_data(PersonalData(
    key="map_table_sessions", title=_l("Kaarttafelsessies"), order=70, rows=_session_rows,
    columns=(("session", _l("Sessie")), ("round", _l("Ronde")), ("theme", _l("Thema")),
             ("starts_at", _l("Begint op")), ("as", _l("Als"))),
))
