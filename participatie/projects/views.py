"""Project views: public pages, documents, search; staff area for projects, phases and documents."""
from flask import Blueprint

bp = Blueprint("projects", __name__)
admin_bp = Blueprint("projects_admin", __name__, url_prefix="/beheer")
