"""Error pages: one template for every HTTP error, in the visitor's language."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

def _messages():
    return {
        400: _("Uw verzoek kon niet worden verwerkt. Controleer wat u hebt ingevuld en probeer het opnieuw."),
        401: _("U moet inloggen om dit te doen."),
        403: _("U hebt geen toegang tot deze pagina."),
        404: _("Deze pagina bestaat niet (meer)."),
        405: _("Deze actie is hier niet mogelijk."),
        413: _("Wat u verstuurde is te groot. Verklein het bestand of de tekst en probeer het opnieuw."),
        429: _("U hebt dit te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
        500: _("Er ging iets mis aan onze kant. Probeer het later opnieuw."),
    }


def _api_request() -> bool:
    """Open data API paths answer errors as OGC-style JSON (unless a person asked for f=html)."""
    return request.path.startswith(("/ogc", "/openapi")) and request.args.get("f", "").lower() != "html"


def handle_http_error(error: HTTPException):
    code = error.code or 500
    if _api_request():
        response = jsonify(code=(error.name or "Error").replace(" ", ""), description=error.description)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response, code
    message = _messages().get(code, error.description)
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
