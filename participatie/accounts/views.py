"""Accounts views: register, confirm, login, logout, password reset; staff area for users and organisations."""
from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")
admin_bp = Blueprint("accounts_admin", __name__, url_prefix="/beheer")
