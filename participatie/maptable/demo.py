"""Demo map-table sessions for the round "kansenkaart-zonnevelden": one session per theme
(landschap, cultuurhistorie, natuur, landbouw), held and closed, and the integral session, live, with
the four organisations of the story and their input — including zones they disagree on.
Idempotent: nothing is added when the round already has sessions."""
from datetime import datetime, timedelta

from sqlalchemy import select

from ..accounts.models import Organisation, User, utcnow
from ..extensions import db
from ..rounds import services as rounds
from ..rounds.demo import ZONNEVELDEN_ROUND
from . import services
from .models import CLOSED, LIVE, MapTableSession

ORGANISATIONS = ("LTO Noord", "Staatsbosbeheer", "Rijksdienst voor het Cultureel Erfgoed", "Het Utrechts Landschap")
# The integral session has a fixed code, so that the demo can be tried at /kaarttafel.
INTEGRAL_CODE = "KAART4"

# theme → [(organisation, zone number (index in the sorted zones), stance, text)]
INPUT = {
    "landschap": [
        ("Het Utrechts Landschap", 0, "objection", "Open polderlandschap: een zonneveld hier breekt het weidse zicht."),
        ("Rijksdienst voor het Cultureel Erfgoed", 1, None, "Let op de zichtlijnen vanaf de dijk."),
        ("LTO Noord", 2, "support", "Langs de snelweg is het landschap al rommelig; hier past een zonneveld."),
    ],
    "cultuurhistorie": [
        ("Rijksdienst voor het Cultureel Erfgoed", 3, "exclude", "Deze zone ligt op de Nieuwe Hollandse Waterlinie (werelderfgoed)."),
        ("Het Utrechts Landschap", 1, None, "Oude verkavelingspatronen zichtbaar houden."),
        ("LTO Noord", 3, "support", "De boeren hier willen graag meedoen met een zonneveld op hun slechtste grond."),
    ],
    "natuur": [
        ("Staatsbosbeheer", 0, "exclude", "Weidevogelgebied: hier broeden grutto en kievit."),
        ("Het Utrechts Landschap", 4, "support", "Zonneveld met natuurinclusieve inrichting kan hier de biodiversiteit helpen."),
        ("Staatsbosbeheer", 2, None, "Houd een bufferzone van 50 meter tot de bosrand."),
    ],
    "landbouw": [
        ("LTO Noord", 0, "support", "Natte, slechte landbouwgrond: zonneveld geeft de boer een tweede inkomen."),
        ("LTO Noord", 4, "objection", "Goede landbouwgrond hoort bij de voedselproductie, niet onder panelen."),
        ("Staatsbosbeheer", 4, None, "Combineer met akkerranden voor insecten."),
    ],
    "integraal": [
        ("Het Utrechts Landschap", 2, "support", "Na het gesprek: langs de snelweg kunnen wij hiermee leven."),
        ("Staatsbosbeheer", 3, "objection", "Sluit aan bij de erfgoedlijn: deze zone liever niet."),
    ],
}


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def load_demo_sessions(now: datetime | None = None) -> list[MapTableSession]:
    """Create the demo sessions when the round has none yet; the caller commits."""
    now = now or utcnow()
    round_ = rounds.get_round(ZONNEVELDEN_ROUND)
    if round_ is None or db.session.scalar(select(MapTableSession.id).where(MapTableSession.round_id == round_.id)):
        return []
    organisations = {o.name: o for o in db.session.scalars(select(Organisation).where(Organisation.name.in_(ORGANISATIONS)))}
    if len(organisations) != len(ORGANISATIONS):
        return []
    zones = sorted(rounds.current_zones(round_), key=lambda z: z.key)
    if len(zones) < 5:
        return []
    facilitator = _user("facilitator@example.nl")
    stakeholder = _user("stakeholder@example.nl")
    local_now = rounds.utc_to_local(now).replace(tzinfo=None)
    made = []
    themes = ["landschap", "cultuurhistorie", "natuur", "landbouw", "integraal"]
    for i, theme in enumerate(themes):
        integral = theme == "integraal"
        starts = (local_now - timedelta(days=(2 if integral else 18 - 3 * i))).replace(hour=14, minute=0, second=0,
                                                                                    microsecond=0)
        session = services.create_session(
            round_, facilitator,
            title="Integrale sessie kansenkaart zonnevelden" if integral else f"Themasessie {theme}",
            theme=theme, starts_at=starts, status=LIVE,
            facilitator_ids=[facilitator.id] if facilitator else [],
            organisation_ids=[organisations[name].id for name in ORGANISATIONS],
            participant_ids=[stakeholder.id] if stakeholder and stakeholder.organisation_id else [],
            minutes="" if integral else f"Gesprek over {theme} met LTO Noord, Staatsbosbeheer, de RCE en Het "
                                        "Utrechts Landschap. De provincie was aanwezig met de beleidsafdelingen.",
        )
        if integral and db.session.scalar(select(MapTableSession.id).where(MapTableSession.code == INTEGRAL_CODE)) is None:
            session.code = INTEGRAL_CODE
        started = rounds.local_to_utc(starts)
        for n, (name, zone_index, stance, text) in enumerate(INPUT[theme]):
            zone = zones[zone_index]
            services.add_input(session, organisation_id=organisations[name].id,
                               theme=round_.themes[n % len(round_.themes)] if integral else theme,
                               text=text, author=facilitator, zone_id=zone.id, stance=stance,
                               now=min(started + timedelta(minutes=10 + 7 * n), now))
        if not integral:
            session.status = CLOSED
        made.append(session)
    db.session.flush()
    return made
