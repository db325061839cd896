"""The round report as PDF, drawn with reportlab (pure Python from PyPI, no system libraries):
the same figures, charts and map extract as the printable HTML report."""
import io
from datetime import datetime
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Circle, Drawing, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..accounts.models import utcnow
from .services import Figures, MapExtract, local_time

CATEGORY_COLOURS = ["#2e7d32", "#f9a825", "#c62828", "#1565c0", "#6a1b9a", "#00838f", "#5d4037"]
HEADER = colors.HexColor("#1F4E79")


# The demo's categories keep the colours people expect; others take the palette in order.
KNOWN_COLOURS = {"kansrijk": "#2e7d32", "mogelijk": "#f9a825", "uitgesloten": "#c62828"}


def category_colour(categories: list, category: str) -> str:
    if category in KNOWN_COLOURS:
        return KNOWN_COLOURS[category]
    free = [c for c in CATEGORY_COLOURS if c not in KNOWN_COLOURS.values()]
    others = [c for c in categories if c not in KNOWN_COLOURS]
    index = others.index(category) if category in others else len(others)
    return free[index % len(free)]


def _when(value: datetime | None) -> str:
    return local_time(value).strftime("%d-%m-%Y %H:%M") if value else "–"


def _table(rows: list, widths: list | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), HEADER),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _bar_chart(mapping: dict, width: float = 160 * mm) -> Drawing:
    """Horizontal bars, one per key, with the value at the end of each bar."""
    labels = [str(k) or "–" for k in mapping] or ["–"]
    values = list(mapping.values()) or [0]
    row = 14
    height = row * len(values) + 20
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 110, 10
    chart.width, chart.height = width - 150, row * len(values)
    chart.data = [list(reversed(values))]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(max(values), 1) * 1.15
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = HEADER
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.dx = 8
    drawing.add(chart)
    return drawing


def _map_drawing(extract: MapExtract, width: float = 160 * mm) -> Drawing:
    scale = width / extract.width
    drawing = Drawing(width, extract.height * scale + 14)
    top = extract.height * scale + 14
    for category, rings in extract.zones:
        colour = colors.HexColor(category_colour(extract.categories, category))
        for ring in rings:
            points = []
            for x, y in ring:
                points += [x * scale, top - y * scale]
            if len(ring) > 2 and ring[0] == ring[-1]:
                drawing.add(Polygon(points, fillColor=colour, fillOpacity=0.35, strokeColor=colour, strokeWidth=0.5))
            else:
                drawing.add(PolyLine(points, strokeColor=colour, strokeWidth=1.5))
    for x, y, count in extract.cells:
        radius = 1.5 + 5 * (count / extract.max_count) ** 0.5 if extract.max_count else 2
        drawing.add(Circle(x * scale, top - y * scale, radius, fillColor=colors.HexColor("#1F4E79"),
                           fillOpacity=0.7, strokeColor=colors.white, strokeWidth=0.3))
    drawing.add(String(0, 2, _("Kaart: zones van de kaartlaag; stippen tellen de inbreng per vak (RD New)."),
                       fontSize=7))
    for index, category in enumerate(extract.categories):
        x = width - 70
        y = top - 12 - index * 11
        drawing.add(Rect(x, y, 8, 8, fillColor=colors.HexColor(category_colour(extract.categories, category)),
                         strokeColor=None))
        drawing.add(String(x + 11, y + 1, category or "–", fontSize=7))
    return drawing


def response_about(response) -> str:
    """What a published response answers, and in which phase: the heading above it in the report."""
    about = (_("Over zone %(zone)s", zone=response.zone_name) if response.zone_name else
             _("Over inbreng %(numbers)s", numbers=", ".join(str(c.id) for c in response.contributions)))
    return f"{about} ({response.phase_label})" if response.phase_label else about


def build_pdf(round_, figures: Figures, extract: MapExtract | None, responses: list | None = None) -> bytes:
    """The report as PDF bytes."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=round_.title, author=_("Provincie Utrecht"),
                            subject=_("Verslag van de participatieronde"))
    p = lambda text, style="BodyText": Paragraph(escape(str(text)), styles[style])  # noqa: E731
    story = [p(_("Verslag van de participatieronde"), "Title"), p(round_.title, "Heading2"),
             p(_("Project: %(title)s", title=round_.project.title)),
             p(_("Periode: %(start)s tot %(end)s", start=_when(round_.starts_at), end=_when(round_.ends_at))),
             p(_("Gemaakt op: %(when)s", when=_when(utcnow()))), Spacer(1, 4 * mm)]
    if round_.question:
        story += [p(_("Vraag"), "Heading3"), p(round_.question)]
    story += [p(_("Kerncijfers"), "Heading3"), _table([
        [_("Cijfer"), _("Aantal")],
        [_("Gepubliceerde inbreng"), figures.contributions],
        [_("Deelnemers (met account)"), figures.participants],
        [_("Steun op inbreng"), figures.support],
        [_("Bezwaar op inbreng"), figures.objection],
        [_("Antwoorden"), figures.replies],
        [_("Steun op zones"), figures.zone_support],
        [_("Bezwaar op zones"), figures.zone_objection],
        [_("Eerste inbreng"), _when(figures.first)],
        [_("Laatste inbreng"), _when(figures.last)],
    ], [90 * mm, 60 * mm])]
    for title, mapping in ((_("Inbreng per thema"), figures.by_theme), (_("Inbreng per kanaal"), figures.by_channel),
                           (_("Inbreng per week"), figures.by_week)):
        if mapping:
            story.append(KeepTogether([p(title, "Heading3"), _bar_chart(mapping)]))
    if extract is not None:
        story.append(KeepTogether([p(_("Kaart"), "Heading3"), _map_drawing(extract)]))
    if figures.top_zones:
        rows = [[_("Zone"), _("Categorie"), _("Steun"), _("Bezwaar")]]
        rows += [[Paragraph(escape(f"{r[3]} ({r[2]})"), styles["BodyText"]), r[4], r[5], r[6]]
                 for r in figures.top_zones]
        story += [p(_("Zones met de meeste steun"), "Heading3"), _table(rows, [80 * mm, 35 * mm, 20 * mm, 20 * mm])]
    if figures.top_contributions:
        rows = [[_("Nr."), _("Thema"), _("Inbreng"), _("Steun"), _("Bezwaar")]]
        rows += [[r[0], r[1], Paragraph(escape(r[2][:600]), styles["BodyText"]), r[3], r[4]]
                 for r in figures.top_contributions]
        story += [p(_("Inbreng met de meeste steun"), "Heading3"),
                  _table(rows, [14 * mm, 26 * mm, 90 * mm, 15 * mm, 17 * mm])]
    story.append(p(_("Reacties van de provincie"), "Heading3"))
    if responses:
        for response in responses:
            story += [p(response_about(response), "Heading4"), p(response.text)]
    else:
        story.append(p(_("Er zijn nog geen reacties van de provincie gepubliceerd.")))
    doc.build(story)
    return buffer.getvalue()
