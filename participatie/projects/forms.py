"""Staff forms for projects, phases and documents. Checks that need the database live in services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from . import services
from .models import DRAFT, PUBLISHED

AREA_MESSAGES = {
    "json": _l("Dit is geen geldige GeoJSON. Controleer haakjes, komma's en aanhalingstekens."),
    "type": _l("Geef één geometrie (zoals een Polygon) of één Feature, geen lijst van features."),
    "geometry": _l("De coördinaten van deze geometrie kloppen niet of ontbreken."),
    "invalid": _l("De vorm klopt niet, bijvoorbeeld omdat randen elkaar kruisen."),
    "range": _l("Gebruik lengte- en breedtegraden (WGS84), zoals 5.12 en 52.09."),
}


class ProjectForm(FlaskForm):
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Vul een titel in.")), Length(max=200)])
    slug = StringField(
        _l("Webadres (slug)"),
        validators=[
            Optional(),
            Length(max=120),
            Regexp(services.SLUG.pattern, message=_l("Gebruik alleen kleine letters, cijfers en streepjes.")),
        ],
    )
    summary = TextAreaField(_l("Samenvatting"), validators=[Length(max=1000)])
    description = TextAreaField(_l("Beschrijving"), validators=[Length(max=100_000)])
    themes = StringField(_l("Thema's"), validators=[Length(max=500)])
    contact_name = StringField(_l("Naam contactpersoon"), validators=[Length(max=200)])
    contact_email = StringField(
        _l("E-mailadres contactpersoon"),
        validators=[Optional(), Length(max=254), Email(_l("Vul een geldig e-mailadres in."))],
    )
    contact_phone = StringField(
        _l("Telefoonnummer contactpersoon"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9 +()\-]+$", message=_l("Gebruik alleen cijfers, spaties en + ( ) -.")),
        ],
    )
    status = SelectField(
        _l("Status"), choices=[SelectChoice(DRAFT, _l("Concept (niet openbaar)")), SelectChoice(PUBLISHED, _l("Gepubliceerd"))],
        default=DRAFT,
    )
    area = TextAreaField(_l("Gebied (GeoJSON)"), validators=[Length(max=400_000)])

    def __init__(self, *args, project_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project_id = project_id
        self.parsed_area = None

    def validate_slug(self, field):
        if field.data and services.slug_taken(field.data, exclude_id=self.project_id):
            raise ValidationError(_l("Dit webadres is al in gebruik bij een ander project."))

    def validate_area(self, field):
        try:
            self.parsed_area = services.parse_area(field.data)
        except services.AreaError as error:
            raise ValidationError(AREA_MESSAGES[error.code]) from error

    def service_data(self) -> dict:
        """The fields as keyword arguments for services.create_project / update_project."""
        return {
            "title": self.title.data,
            "slug": (self.slug.data or "").strip(),
            "summary": self.summary.data,
            "description": self.description.data,
            "themes": self.themes.data,
            "contact_name": self.contact_name.data,
            "contact_email": self.contact_email.data,
            "contact_phone": self.contact_phone.data,
            "status": self.status.data,
            "area": self.parsed_area,
        }


class PhaseForm(FlaskForm):
    title = StringField(_l("Naam van de fase"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=200)])
    description = TextAreaField(_l("Wat gebeurt er in deze fase?"), validators=[Length(max=5000)])
    starts_on = DateField(
        _l("Begindatum"), validators=[DataRequired(_l("Vul een geldige begindatum in."))]
    )
    ends_on = DateField(_l("Einddatum"), validators=[Optional()])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("De einddatum moet op of na de begindatum liggen."))


class DocumentForm(FlaskForm):
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Vul een titel in.")), Length(max=200)])
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=5000)])
    file = FileField(
        _l("Bestand"),
        validators=[FileRequired(_l("Kies een bestand."))],
        # Only a hint for the file picker: the type is checked from the content when it arrives.
        render_kw={"accept": ".pdf,.docx,.odt,.txt,application/pdf,text/plain,"
                             "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                             "application/vnd.oasis.opendocument.text"},
    )
