"""Sending mail: over SMTP when MAIL_SERVER is set, otherwise written to the log."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("participatie.mail")


def send_mail(to: str, subject: str, body: str, headers: dict | None = None) -> None:
    """Send one plain-text mail; `headers` adds e.g. List-Unsubscribe (RFC 2369 / RFC 8058)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if config["MAIL_CAPTURE"]:
        current_app.extensions["mail_outbox"].append(message)
        return
    if not config["MAIL_SERVER"]:
        log.info("Mail (not sent, MAIL_SERVER unset)\nTo: %s\nSubject: %s\n\n%s", to, subject, body)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def init_app(app) -> None:
    """Tests set MAIL_CAPTURE to read mails from app.extensions['mail_outbox']."""
    app.extensions["mail_outbox"] = []
    if not app.config["MAIL_SERVER"]:
        logging.getLogger("participatie").setLevel(logging.INFO)
