"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from participatie import create_app

app = create_app()
