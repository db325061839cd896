"""Staff forms for rounds, plan layers and layer uploads. The rules (slug, dates, themes, map view,
GeoJSON) are checked by rounds.services; these forms carry the input and show its messages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .models import DEFAULT_THEMES, POST_MODERATION, PRE_MODERATION, VOTES_KEEP_ANONYMOUS, VOTES_REMOVE

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

# Where each rounds.services error field is shown.
ROUND_ERROR_FIELDS = {"center": "center_lat"}


def geometry_choices():
    return [SelectChoice("point", _l("Punt")), SelectChoice("line", _l("Lijn")), SelectChoice("area", _l("Vlak"))]


def _number(value: str | None) -> float | None:
    """A number as people type it: 52.09 or 52,09; None for empty. Raises ValueError otherwise."""
    value = (value or "").strip().replace(",", ".")
    return float(value) if value else None


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered as a fieldset in the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundForm(FlaskForm):
    project_id = SelectField(_l("Project"), coerce=int)
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Geef de ronde een titel.")), Length(max=200)])
    slug = StringField(_l("Webadres (slug)"), validators=[DataRequired(_l("Vul een webadres in.")),
                                                          Length(max=120)])
    question = TextAreaField(_l("De vraag aan inwoners"), validators=[Length(max=5000)])
    instructions = TextAreaField(_l("Uitleg: zo doet u mee"), validators=[Length(max=10_000)])
    starts_at = DateTimeLocalField(_l("Begint op"), format=DATETIME_FORMAT,
                                   validators=[DataRequired(_l("Vul een datum en tijd in."))])
    ends_at = DateTimeLocalField(_l("Eindigt op"), format=DATETIME_FORMAT,
                                 validators=[DataRequired(_l("Vul een datum en tijd in."))])
    themes = StringField(_l("Thema's"), default=", ".join(DEFAULT_THEMES), validators=[Length(max=1000)])
    allowed_geometries = MultiCheckboxField(_l("Wat mogen inwoners tekenen?"), choices=geometry_choices,
                                            default=["point", "line", "area"])
    votes_enabled = BooleanField(_l("Inwoners kunnen steun of bezwaar geven"), default=True)
    moderation = RadioField(
        _l("Moderatie"),
        choices=[SelectChoice(POST_MODERATION, _l("Achteraf: inbreng is meteen voor iedereen te zien")),
                 SelectChoice(PRE_MODERATION, _l("Vooraf: inbreng is pas te zien als een moderator hem goedkeurt"))],
        default=POST_MODERATION,
    )
    center_lat = StringField(_l("Breedtegraad van het midden van de kaart"), validators=[Length(max=30)])
    center_lon = StringField(_l("Lengtegraad van het midden van de kaart"), validators=[Length(max=30)])
    zoom = IntegerField(_l("Zoomniveau"),
                        validators=[Optional(), NumberRange(5, 19, _l("Kies een zoomniveau van 5 tot en met 19."))])
    area = TextAreaField(_l("Gebied van de ronde (GeoJSON)"), validators=[Length(max=400_000)])
    # The privacy statement; empty parts get a default text (accounts.privacy.statement).
    privacy_purpose = TextAreaField(_l("Privacy: waarvoor gebruiken we de gegevens?"), validators=[Length(max=5000)])
    privacy_legal_basis = TextAreaField(_l("Privacy: grondslag"), validators=[Length(max=2000)])
    privacy_contact = TextAreaField(_l("Privacy: contact voor vragen"), validators=[Length(max=1000)])
    votes_on_account_deletion = RadioField(
        _l("Stemmen van iemand die zijn account verwijdert"),
        choices=[SelectChoice(VOTES_REMOVE, _l("Weghalen: ze tellen niet meer mee")),
                 SelectChoice(VOTES_KEEP_ANONYMOUS, _l("Laten meetellen, zonder naam"))],
        default=VOTES_REMOVE,
    )

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.project_id.choices = [SelectChoice(project.id, project.title) for project in projects]

    def validate_center_lat(self, field):
        self._check_number(field)

    def validate_center_lon(self, field):
        self._check_number(field)

    @staticmethod
    def _check_number(field):
        try:
            _number(field.data)
        except ValueError:
            raise ValidationError(_l("Vul een getal in, zoals 52,09.")) from None

    def service_data(self) -> dict:
        """The fields as keyword arguments for rounds.services.create_round / update_round."""
        return {
            "title": self.title.data,
            "slug": self.slug.data,
            "question": self.question.data,
            "instructions": self.instructions.data,
            "starts_at": self.starts_at.data,
            "ends_at": self.ends_at.data,
            "themes": [t for t in (self.themes.data or "").split(",") if t.strip()],
            "allowed_geometries": list(self.allowed_geometries.data or []),
            "votes_enabled": self.votes_enabled.data,
            "moderation": self.moderation.data,
            "center_lat": _number(self.center_lat.data),
            "center_lon": _number(self.center_lon.data),
            "zoom": self.zoom.data,
            "area": (self.area.data or "").strip() or None,
            "privacy_purpose": self.privacy_purpose.data or "",
            "privacy_legal_basis": self.privacy_legal_basis.data or "",
            "privacy_contact": self.privacy_contact.data or "",
            "votes_on_account_deletion": self.votes_on_account_deletion.data or VOTES_REMOVE,
        }

    def add_service_errors(self, errors: dict) -> None:
        for name, message in errors.items():
            field = getattr(self, ROUND_ERROR_FIELDS.get(name, name), None) or self.title
            field.errors = list(field.errors) + [message]
        self._errors = None


class LayerForm(FlaskForm):
    name = StringField(_l("Naam van de kaartlaag"), validators=[DataRequired(_l("Geef de kaartlaag een naam.")),
                                                                 Length(max=200)])
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=5000)])
    style_property = StringField(_l("Eigenschap voor kleur en legenda"), default="categorie",
                                 validators=[Length(max=80)])
    votable = BooleanField(_l("Inwoners kunnen op de zones van deze laag stemmen"), default=True)


class LayerUploadForm(FlaskForm):
    file = FileField(_l("GeoJSON-bestand"),
                     render_kw={"accept": ".geojson,.json,application/geo+json,application/json"})
    text = TextAreaField(_l("Of plak de GeoJSON hier"), validators=[Length(max=6_000_000)])
    note = TextAreaField(_l("Wat is er veranderd? (notitie bij deze versie)"), validators=[Length(max=2000)])
    publish = BooleanField(_l("Deze versie meteen publiceren"), default=True)
