"""Forms for taking part in a round: a contribution (with its place chosen on the map or from a
list), a reply and a vote. The rules live in contributions.services; these forms only carry the
input, so that the service's Dutch messages land next to the right field."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectField, TextAreaField

from . import services

# The photo picker's hint for the file dialog; the type is checked from the bytes when it arrives.
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"

# Where each service error field is shown in the contribution form.
ERROR_FIELDS = {
    "theme": "theme",
    "text": "text",
    "geometry": "geometry",
    "zone": "zone_id",
    "place": "place",
    "photo": "photo",
}


class ContributionForm(FlaskForm):
    """A contribution: theme, text, place (drawn geometry, a search result, a zone or a
    municipality) and an optional photo. Choices are filled per round in __init__."""

    theme = RadioField(_l("Thema"), validate_choice=False, id="contribution-theme")
    text = TextAreaField(
        _l("Uw reactie"),
        id="contribution-text",
        render_kw={"maxlength": services.TEXT_MAX, "rows": 6, "data-counter": "contribution-text-count"},
    )
    # Filled by static/js/map.js when the person clicks or draws on the map (GeoJSON text).
    geometry = HiddenField(id="contribution-geometry")
    # A random key made when the form is first shown; the service makes one contribution per key.
    submission_key = HiddenField(id="contribution-submission-key")
    found = RadioField(_l("Gevonden plekken"), validate_choice=False, id="contribution-found")
    zone_id = SelectField(_l("Kies een zone"), validate_choice=False, id="contribution-zone")
    place = SelectField(_l("Of kies een gemeente"), validate_choice=False, id="contribution-place")
    photo = FileField(_l("Foto (niet verplicht)"), id="contribution-photo", render_kw={"accept": PHOTO_ACCEPT})
    remove_photo = BooleanField(_l("Foto verwijderen"), id="contribution-remove-photo")
    # Shown after the automatic check found personal data: the resident may send it anyway (moderation).
    confirm_personal_data = BooleanField(_l("Toch versturen: een moderator haalt de persoonsgegevens weg"),
                                         id="contribution-confirm")
    personal_data = ()  # the findings of moderation.checks, set by the view to show the warning
    # Shown (and required) until the person has read the round's privacy statement: accounts.privacy.
    privacy_read = BooleanField(_l("Ik heb gelezen wat er met mijn inbreng en gegevens gebeurt."),
                                id="contribution-privacy-read")

    def __init__(self, round_, zones, places, found=None, **kwargs):
        """`zones` and `places` are the round's choices (rounds.services.zone_choices/place_choices);
        `found` is (zones, places) from a place search, offered as radio buttons."""
        super().__init__(**kwargs)
        if not self.submission_key.data:
            self.submission_key.data = services.new_submission_key()
        self.theme.choices = [SelectChoice(theme, theme.capitalize()) for theme in round_.themes]
        self.zone_id.choices = [SelectChoice("", _l("Geen zone gekozen"))] + [
            SelectChoice(str(zone.id), f"{zone.name} ({zone.category})" if zone.category else zone.name)
            for zone in zones
        ]
        self.place.choices = [SelectChoice("", _l("Geen gemeente gekozen"))] + [
            SelectChoice(p.key, p.name) for p in places]
        found_zones, found_places = found or ([], [])
        self.found.choices = [
            SelectChoice(f"zone:{zone.id}", _l("Zone %(name)s", name=zone.name)) for zone in found_zones
        ] + [SelectChoice(f"place:{p.key}", _l("Gemeente %(name)s", name=p.name)) for p in found_places]

    def place_arguments(self) -> dict:
        """geometry / zone_id / place for the service. A chosen search result counts before the
        zone and municipality lists; a drawn geometry counts before everything (the service's order)."""
        zone_id, place = self.zone_id.data or None, self.place.data or None
        found = self.found.data or ""
        if found.startswith("zone:"):
            zone_id, place = found[5:], None
        elif found.startswith("place:"):
            zone_id, place = None, found[6:]
        return {"geometry": (self.geometry.data or "").strip() or None, "zone_id": zone_id, "place": place}

    def add_service_errors(self, errors: dict) -> None:
        """Put a ValidationError's messages on the fields they belong to."""
        for name, message in errors.items():
            field = getattr(self, ERROR_FIELDS.get(name, "text"))
            field.errors = list(field.errors) + [message]
        self._errors = None  # WTForms caches form.errors; let it collect the new ones


class ReplyForm(FlaskForm):
    text = TextAreaField(
        _l("Uw antwoord"),
        id="reply-text",
        render_kw={"maxlength": services.REPLY_MAX, "rows": 4, "data-counter": "reply-text-count"},
    )
    confirm_personal_data = BooleanField(_l("Toch versturen: een moderator haalt de persoonsgegevens weg"),
                                         id="reply-confirm")
    personal_data = ()

    def add_service_errors(self, errors: dict) -> None:
        for message in errors.values():
            self.text.errors = list(self.text.errors) + [message]
        self._errors = None

