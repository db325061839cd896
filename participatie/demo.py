"""Demo data: one account per role, the stakeholder organisations, projects with phases and documents,
and (from rounds/demo.py) their consultation rounds. Everything goes through the services, so the
search index is filled as in real use.

`flask --app wsgi demo-data [--if-empty]` calls `database_is_empty()` and `load()`. Loading twice
adds nothing new: what exists (by e-mail, name or slug) is left alone.
"""
from datetime import date, timedelta

from .accounts import services as accounts
from .accounts.models import Organisation
from .extensions import db
from .permissions import Role
from .projects import services as projects
from .projects.models import DRAFT, PUBLISHED, Project
from .rounds.demo import load_demo_rounds

PASSWORD = "demo-participatie-2026"

ORGANISATIONS = {
    "LTO Noord": "Land- en tuinbouworganisatie: de boeren en tuinders in de regio.",
    "Staatsbosbeheer": "Beheert natuur, bos en landschap van het Rijk.",
    "Rijksdienst voor het Cultureel Erfgoed": "Adviseert over monumenten, archeologie en cultuurlandschap.",
    "Het Utrechts Landschap": "Beschermt natuur en landschap in de provincie Utrecht.",
}

# (e-mail, display name, role, organisation)
ACCOUNTS = [
    ("bewoner@example.nl", "Demo bewoner", Role.RESIDENT, None),
    ("stakeholder@example.nl", "Demo LTO Noord", Role.STAKEHOLDER, "LTO Noord"),
    ("facilitator@example.nl", "Demo facilitator", Role.FACILITATOR, None),
    ("moderator@example.nl", "Demo moderator", Role.MODERATOR, None),
    ("beleid@example.nl", "Demo beleidsmedewerker", Role.POLICY_ANALYST, None),
    ("beheer@example.nl", "Demo beheerder", Role.ADMIN, None),
]

# A simplified outline of Provincie Utrecht (WGS84, counter-clockwise as RFC 7946 asks): from
# Woerden in the west along the Lek to Rhenen, up past Veenendaal and Amersfoort to Eemnes and back
# along the Vecht. Good enough for a small overview map; not a legal boundary.
UTRECHT_AREA = {
    "type": "Polygon",
    "coordinates": [[
        [4.80, 52.23], [4.79, 52.12], [4.82, 52.05], [4.90, 51.99], [5.02, 51.96], [5.10, 51.94],
        [5.22, 51.96], [5.33, 51.96], [5.45, 51.95], [5.56, 51.94], [5.62, 51.98], [5.60, 52.05],
        [5.62, 52.11], [5.56, 52.17], [5.49, 52.21], [5.42, 52.27], [5.35, 52.29], [5.27, 52.28],
        [5.20, 52.24], [5.12, 52.21], [5.04, 52.26], [4.95, 52.28], [4.86, 52.27], [4.80, 52.23],
    ]],
}

# A corridor around the planned cycle routes between Utrecht, Zeist and Amersfoort.
CYCLE_AREA = {
    "type": "Polygon",
    "coordinates": [[
        [5.08, 52.07], [5.12, 52.05], [5.25, 52.07], [5.36, 52.12], [5.42, 52.14], [5.41, 52.18],
        [5.36, 52.17], [5.24, 52.11], [5.12, 52.10], [5.08, 52.07],
    ]],
}

SOLAR_DESCRIPTION = """
<p>Er komen in Nederland meer zonnevelden. Dat is goed voor schone energie. Maar een zonneveld neemt
ook ruimte in. Daarom wil de provincie weten waar zonnevelden wel en niet passen.</p>
<h2>Wat is de kansenkaart?</h2>
<p>De kansenkaart laat zien in welke gebieden een zonneveld een kans maakt. We kijken daarbij naar vier
thema's: <strong>landschap</strong>, <strong>cultuurhistorie</strong>, <strong>natuur</strong> en
<strong>landbouw</strong>.</p>
<h2>Hoe kwam de kaart tot stand?</h2>
<p>We spraken aan een digitale kaarttafel met LTO Noord, Staatsbosbeheer, de Rijksdienst voor het
Cultureel Erfgoed en Het Utrechts Landschap. Eerst was er per thema een gesprek, daarna een gesprek over
alle thema's samen. Met die inbreng maakten we de kaart stap voor stap.</p>
<h2>Wat kunt u doen?</h2>
<ul>
<li>Lees de toelichting en het verslag bij de documenten.</li>
<li>Zeg op de kaart wat u van een gebied vindt.</li>
<li>Liever niet online? Bel ons, dan nemen wij uw reactie op.</li>
</ul>
"""

SOLAR_PDF_LINES = [
    "Kansenkaart zonnevelden - toelichting",
    "",
    "Provincie Utrecht wil zonnevelden op plekken waar ze passen.",
    "Deze toelichting legt uit hoe de kansenkaart werkt.",
    "",
    "1. Waarom een kansenkaart?",
    "Zonnevelden leveren schone stroom. Ze nemen ook ruimte in.",
    "Op de kaart ziet u waar een zonneveld een kans maakt.",
    "",
    "2. Vier thema's",
    "Landschap: open weidegebieden blijven zo veel mogelijk open.",
    "Cultuurhistorie: bij forten en landgoederen zijn we voorzichtig.",
    "Natuur: in het Natuurnetwerk Nederland komen geen zonnevelden.",
    "Landbouw: goede landbouwgrond houden we voor de boer.",
    "",
    "3. Wat gebeurt er met uw reactie?",
    "Wij lezen elke reactie. U krijgt een antwoord van de provincie.",
]

# Text documents: one line per paragraph, so that the reading view reflows them on small screens.
SOLAR_TXT = "\n\n".join([
    "Verslag van de gesprekken aan de kaarttafel",
    "Aan de kaarttafel spraken LTO Noord, Staatsbosbeheer, de Rijksdienst voor het Cultureel Erfgoed en "
    "Het Utrechts Landschap met de provincie. Er was een gesprek per thema en daarna een integraal gesprek.",
    "Landschap",
    "Het Groene Hart en de Utrechtse Heuvelrug zijn open of bosrijk. Grote zonneparken passen daar slecht. "
    "Langs snelwegen en bij bedrijventerreinen zien de deelnemers meer ruimte.",
    "Cultuurhistorie",
    "De Nieuwe Hollandse Waterlinie is werelderfgoed. Het open schootsveld moet herkenbaar blijven.",
    "Natuur",
    "Staatsbosbeheer vraagt om een ruime afstand tot natuurgebieden en om ruimte voor planten en dieren "
    "onder en tussen de panelen.",
    "Landbouw",
    "LTO Noord wil dat goede landbouwgrond voor voedsel blijft. Zonnepanelen op daken van stallen hebben "
    "de voorkeur.",
]) + "\n"

CYCLE_DESCRIPTION = """
<p>De provincie wil dat meer mensen fietsen. Daarom maken we snelle en veilige fietsroutes tussen
Utrecht, Zeist en Amersfoort. De routes gaan zo veel mogelijk door het groen.</p>
<h2>Wat verandert er?</h2>
<ul>
<li>Bredere fietspaden met goede verlichting.</li>
<li>Minder wachten bij verkeerslichten.</li>
<li>Nieuwe bomen en bermen met bloemen langs de route.</li>
</ul>
"""

CYCLE_TXT = "\n\n".join([
    "Routekaart groene fietsroutes",
    "Route 1: Utrecht Science Park - Zeist",
    "Het fietspad langs de Utrechtseweg wordt 4 meter breed. Bij de kruising met de N237 komt een tunnel.",
    "Route 2: Zeist - Amersfoort",
    "De route volgt de spoorlijn. Tussen Den Dolder en Soesterberg komt een nieuw fietspad door het bos, "
    "met aandacht voor dieren die de weg oversteken.",
    "Planning",
    "Het ontwerp is klaar in het voorjaar. Daarna beginnen de werkzaamheden.",
]) + "\n"


def database_is_empty() -> bool:
    """True when there are no projects yet (the `--if-empty` guard of `make run`)."""
    return db.session.scalar(db.select(Project.id).limit(1)) is None


def load(today: date | None = None) -> None:
    """Load the demo accounts, organisations and projects; what already exists is kept as it is."""
    today = today or date.today()
    organisations = _organisations()
    admin = _accounts(organisations)
    if projects.project_by_slug("kansenkaart-zonnevelden") is None:
        _solar_project(today, admin)
    if projects.project_by_slug("groene-fietsroutes") is None:
        _cycle_project(today, admin)
    if projects.project_by_slug("natuurnetwerk-heuvelrug") is None:
        _draft_project(today)
    db.session.flush()
    # The consultation rounds (map layers, contributions) hang on these projects and accounts.
    load_demo_rounds()
    # The map-table sessions of the solar-field round, with the four organisations and their input.
    from .maptable.demo import load_demo_sessions

    load_demo_sessions()
    db.session.commit()


def _organisations() -> dict[str, Organisation]:
    found = {}
    for name, description in ORGANISATIONS.items():
        organisation = db.session.scalar(db.select(Organisation).filter_by(name=name))
        found[name] = organisation or accounts.save_organisation(None, name, description)
    return found


def _accounts(organisations: dict[str, Organisation]):
    """Create the demo accounts that are missing; returns the admin account."""
    for email, name, role, organisation in ACCOUNTS:
        if accounts.find_user_by_email(email) is None:
            accounts.create_user(
                email=email, password=PASSWORD, display_name=name, roles=(role,), confirmed=True,
                organisation=organisations.get(organisation) if organisation else None,
            )
    return accounts.find_user_by_email("beheer@example.nl")


def _solar_project(today: date, admin) -> Project:
    project = projects.create_project(
        slug="kansenkaart-zonnevelden",
        title="Kansenkaart zonnevelden",
        summary=(
            "Waar passen zonnevelden in de provincie Utrecht? Samen met inwoners en organisaties maken we "
            "een kaart van kansrijke plekken. Het gaat om de hele provincie: alle 26 gemeenten, van "
            "Woerden tot Rhenen en van Eemnes tot Vianen."
        ),
        description=SOLAR_DESCRIPTION,
        themes="landschap, cultuurhistorie, natuur, landbouw",
        contact_name="Team Energie en Ruimte",
        contact_email="zonnevelden@provincie-utrecht.example",
        contact_phone="030 258 9111",
        status=PUBLISHED,
        area=UTRECHT_AREA,
    )
    _phases(project, today, [
        ("Voorbereiding", "We verzamelen kaarten over landschap, natuur, erfgoed en landbouw.", -200, -121),
        ("Gesprekken aan de kaarttafel", "Organisaties praten per thema en daarna samen over de kaart.",
         -120, -36),
        ("Open voor inbreng", "Iedereen kan op de kaart reageren: waar past een zonneveld wel of niet?",
         -35, 26),
        ("Verwerken van de inbreng", "We lezen alle reacties en passen de kaart aan.", 27, 90),
        ("Besluit Gedeputeerde Staten", "Gedeputeerde Staten stellen de kansenkaart vast.", 91, 120),
        ("Reactie gepubliceerd", "U leest wat er met alle inbreng is gedaan.", 121, None),
    ])
    projects.add_document(
        project, "Toelichting kansenkaart zonnevelden", "toelichting-kansenkaart-zonnevelden.pdf",
        simple_pdf(SOLAR_PDF_LINES, title="Toelichting kansenkaart zonnevelden"),
        description="Uitleg over de kaart en de vier thema's.", uploaded_by=admin,
    )
    projects.add_document(
        project, "Verslag gesprekken kaarttafel", "verslag-kaarttafel.txt", SOLAR_TXT.encode(),
        description="Wat organisaties per thema inbrachten.", uploaded_by=admin,
    )
    return project


def _cycle_project(today: date, admin) -> Project:
    project = projects.create_project(
        slug="groene-fietsroutes",
        title="Groene fietsroutes",
        summary=(
            "Snelle en veilige fietsroutes door het groen tussen Utrecht, Zeist en Amersfoort, in de "
            "gemeenten Utrecht, De Bilt, Zeist, Soest en Amersfoort."
        ),
        description=CYCLE_DESCRIPTION,
        themes="mobiliteit, natuur",
        contact_name="Team Fiets",
        contact_email="fiets@provincie-utrecht.example",
        contact_phone="030 258 9111",
        status=PUBLISHED,
        area=CYCLE_AREA,
    )
    _phases(project, today, [
        ("Verkenning", "We onderzoeken welke routes het meest worden gebruikt.", -400, -181),
        ("Ontwerp", "We tekenen de routes uit en bespreken ze met de gemeenten.", -180, 60),
        ("Aanleg", "De fietspaden worden aangelegd.", 61, 400),
    ])
    projects.add_document(
        project, "Routekaart groene fietsroutes", "routekaart-groene-fietsroutes.txt", CYCLE_TXT.encode(),
        description="De routes en de planning in het kort.", uploaded_by=admin,
    )
    return project


def _draft_project(today: date) -> Project:
    project = projects.create_project(
        slug="natuurnetwerk-heuvelrug",
        title="Natuurnetwerk Utrechtse Heuvelrug",
        summary="Plannen om natuurgebieden op de Utrechtse Heuvelrug beter met elkaar te verbinden.",
        description="<p>Dit project is nog in voorbereiding.</p>",
        themes="natuur, landschap",
        status=DRAFT,
    )
    _phases(project, today, [("Voorbereiding", "We maken een plan van aanpak.", 30, 120)])
    return project


def _phases(project: Project, today: date, phases) -> None:
    for title, description, start, end in phases:
        projects.add_phase(
            project, title, today + timedelta(days=start),
            today + timedelta(days=end) if end is not None else None, description,
        )


def simple_pdf(lines: list[str], title: str = "") -> bytes:
    """A small, valid one-page PDF with the given lines of text (Helvetica, WinAnsi encoding)."""

    def pdf_string(value: str) -> bytes:
        raw = value.encode("cp1252", "replace")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    content = b"BT /F1 12 Tf 16 TL 56 780 Td " + b" ".join(pdf_string(line) + b" Tj T*" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Title " + pdf_string(title) + b" /Producer (Participatie) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
