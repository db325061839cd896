"""The export forms: what a policy analyst exports, and the admin's contact export with its purpose."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


def format_choices():
    return [
        SelectChoice("xlsx", _l("Excel-werkmap (XLSX): inbreng, antwoorden, stemmen per zone en kerncijfers")),
        SelectChoice("csv", _l("CSV: één regel per inbreng")),
        SelectChoice("geojson", _l("GeoJSON: de inbreng met de plekken, voor GIS")),
        SelectChoice("layers", _l("GeoJSON van elke versie van de kaartlagen (ZIP)")),
        SelectChoice("report_html", _l("Verslag om af te drukken (webpagina)")),
        SelectChoice("report_pdf", _l("Verslag als PDF")),
    ]


class ExportForm(FlaskForm):
    """One export of one round."""

    format = RadioField(_l("Wat wilt u downloaden?"), choices=format_choices, default="xlsx",
                        validators=[InputRequired(_l("Kies wat u wilt downloaden."))])
    include_all = BooleanField(_l("Ook inbreng die niet gepubliceerd is (in afwachting, verborgen of afgewezen)"))
    delimiter = RadioField(_l("Scheidingsteken in CSV"), default="comma", choices=lambda: [
        SelectChoice("comma", _l("Komma (standaard)")),
        SelectChoice("semicolon", _l("Puntkomma (Excel met Nederlandse instellingen)")),
    ])


class ContactExportForm(FlaskForm):
    """The only way to e-mail addresses: an admin states why, and the purpose goes into the audit log."""

    round_id = SelectField(_l("Participatieronde"), coerce=int,
                           validators=[DataRequired(_l("Kies een participatieronde."))])
    purpose = TextAreaField(_l("Doel van deze export"), validators=[
        DataRequired(_l("Schrijf op waarvoor u de e-mailadressen nodig hebt.")),
        Length(min=10, max=1000, message=_l("Beschrijf het doel in 10 tot 1000 tekens.")),
    ])
    confirm = BooleanField(_l("Ik gebruik deze gegevens alleen voor dit doel en verwijder ze daarna."),
                           validators=[DataRequired(_l("Bevestig dat u de gegevens alleen voor dit doel gebruikt."))])
