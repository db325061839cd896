"""Accounts forms: register, log in, confirmation and password links; staff forms for users and organisations."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms import RadioField, SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..permissions import Role

PASSWORD_MIN = 10
PASSWORD_MAX = 200


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label=None):
    return EmailField(
        label or _l("E-mailadres"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Vul uw e-mailadres in.")),
            Length(max=254, message=_l("Een e-mailadres is hoogstens 254 tekens lang.")),
            Email(_l("Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.")),
        ],
    )


def not_common_password(form, field):
    """Refuse a password from the shipped list of the 10,000 most common ones."""
    from .services import is_common_password

    if field.data and is_common_password(field.data):
        raise ValidationError(_l("Dit wachtwoord wordt heel vaak gebruikt en is daardoor makkelijk te raden. "
                                 "Kies een ander wachtwoord, bijvoorbeeld een zin van een paar woorden."))


def _new_password_fields(label=None):
    password = PasswordField(
        label or _l("Wachtwoord"),
        validators=[
            DataRequired(_l("Kies een wachtwoord.")),
            Length(
                min=PASSWORD_MIN, max=PASSWORD_MAX,
                # Length fills in %(min)d and %(max)d.
                message=_l("Uw wachtwoord moet tussen %(min)d en %(max)d tekens lang zijn."),
            ),
            not_common_password,
        ],
    )
    confirm = PasswordField(
        _l("Herhaal het wachtwoord"),
        validators=[
            DataRequired(_l("Vul het wachtwoord nog een keer in.")),
            EqualTo("password", _l("De twee wachtwoorden zijn niet hetzelfde.")),
        ],
    )
    return password, confirm


def _postcode_area_field():
    return StringField(
        _l("Postcodegebied (de 4 cijfers van uw postcode)"),
        filters=[_strip],
        validators=[Optional(), Regexp(r"^[1-9][0-9]{3}$",
                                       message=_l("Vul de 4 cijfers van uw postcode in, zoals 3511, of laat het leeg."))],
        render_kw={"inputmode": "numeric", "maxlength": 4, "autocomplete": "postal-code"},
    )


def _without_control_characters(value):
    """Control characters (tabs, line breaks, NUL…) mean nothing in a name, and PostgreSQL refuses NUL."""
    return re.sub(r"[\x00-\x1f\x7f]", "", value) if isinstance(value, str) else value


def _display_name_field():
    return StringField(
        _l("Naam die anderen zien"),
        filters=[_without_control_characters, _strip],
        validators=[
            DataRequired(_l("Kies een naam die anderen zien.")),
            Length(min=2, max=80, message=_l("De naam moet tussen 2 en 80 tekens lang zijn.")),
        ],
    )


class RegisterForm(FlaskForm):
    email = _email_field()
    password, password_confirm = _new_password_fields()
    display_name = _display_name_field()
    postcode_area = _postcode_area_field()


class MyDetailsForm(FlaskForm):
    """Correcting one's own details on "Mijn gegevens"."""

    display_name = _display_name_field()
    postcode_area = _postcode_area_field()


class DeleteAccountForm(FlaskForm):
    contributions = RadioField(
        _l("Wat doen we met uw inbreng en antwoorden?"),
        choices=[SelectChoice("keep", _l("Laat ze staan zonder mijn naam. Er staat dan „een deelnemer” bij.")),
                 SelectChoice("delete", _l("Verwijder ze."))],
        validators=[InputRequired(_l("Kies wat we met uw inbreng en antwoorden doen."))],
    )
    password = PasswordField(
        _l("Uw wachtwoord"),
        validators=[DataRequired(_l("Vul uw wachtwoord in om te bevestigen dat u het bent.")), Length(max=PASSWORD_MAX)],
    )


class LogoutEverywhereForm(FlaskForm):
    """Only the CSRF token: "Uitloggen op alle apparaten"."""


class LoginForm(FlaskForm):
    # No format check on the e-mail: any address that does not log in gets the one same answer.
    email = EmailField(
        _l("E-mailadres"),
        filters=[_strip],
        validators=[DataRequired(_l("Vul uw e-mailadres in.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=PASSWORD_MAX)],
    )


class EmailForm(FlaskForm):
    """One e-mail address: to ask for a new confirmation link or a password reset link."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, password_confirm = _new_password_fields(_l("Nieuw wachtwoord"))


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserEditForm(FlaskForm):
    roles = MultiCheckboxField(_l("Rollen"), choices=[])
    organisation = SelectField(_l("Organisatie"), coerce=int, choices=[])
    active = BooleanField(_l("Account is actief (de gebruiker kan inloggen)"))

    def set_choices(self, role_choices, organisations) -> None:
        """Fill the role checkboxes and the organisation list."""
        self.roles.choices = role_choices
        self.organisation.choices = [(0, _l("Geen organisatie"))] + [(o.id, o.name) for o in organisations]


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Naam"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Vul de naam van de organisatie in.")),
            Length(min=2, max=200, message=_l("De naam moet tussen 2 en 200 tekens lang zijn.")),
        ],
    )
    description = TextAreaField(
        _l("Beschrijving"),
        filters=[_strip],
        validators=[Length(max=2000, message=_l("De beschrijving is hoogstens 2000 tekens lang."))],
    )


def role_choices(labels) -> list[tuple[str, str]]:
    """(value, label) pairs for every role, lowest first."""
    return [(role.value, labels[role]) for role in Role]
