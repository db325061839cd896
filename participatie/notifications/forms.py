"""Forms of the notification pages: the settings, following a project or round, unsubscribing."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class SettingsForm(FlaskForm):
    input_moderated = BooleanField(_l("Een e-mail als een moderator mijn inbreng verbergt of afwijst"))
    input_answered = BooleanField(_l("Een e-mail als de provincie op mijn inbreng reageert"))
    round_news = BooleanField(_l("Nieuws over projecten en rondes die ik volg: de ronde begint of sluit, "
                                 "er is een reactie of een samenvatting"))


class FollowForm(FlaskForm):
    """Only the CSRF token: what to follow is in the address."""
