"""Outgoing mail: SMTP in production, printed to the console locally, kept in memory in tests."""

from __future__ import annotations

import logging
import smtplib
import sys
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def outbox() -> list[Mail]:
    """Mail sent with the ``memory`` backend (tests read it)."""
    return current_app.extensions.setdefault("coelab_outbox", [])


def send_mail(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    backend = cfg["MAIL_BACKEND"]
    mail = Mail(to=to, subject=subject, body=body)
    if backend == "memory":
        outbox().append(mail)
    elif backend == "console":
        print(
            f"\n----- e-mail (not sent: local mode) -----\nTo: {to}\nSubject: {subject}\n\n"
            f"{body}\n-----------------------------------------\n",
            file=sys.stdout,
            flush=True,
        )
    elif backend == "smtp":
        msg = EmailMessage()
        msg["From"] = cfg["MAIL_SENDER"]
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls()
            if cfg["SMTP_USER"]:
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"] or "")
            smtp.send_message(msg)
    else:
        raise RuntimeError(f"unknown COELAB_MAIL_BACKEND {backend!r}")
    log.info("mail to %s: %s", to, subject)
