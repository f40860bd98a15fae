"""Mail goes out over real SMTP when configured (a minimal SMTP server on loopback)."""

from __future__ import annotations

import email
import logging
import smtplib
import socketserver
import threading
from email import policy

import pytest
from coelab import mail
from coelab.mail import send_mail

from .conftest import csrf_token, post


class SMTPSink(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 to accept one message and keep it."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ready")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.server.envelope.append(line.decode().strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.messages.append(data)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPSink)
    server.messages, server.envelope = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_smtp_backend_delivers_the_message(app, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1",
                      SMTP_PORT=smtp_server.server_address[1], SMTP_STARTTLS=False,
                      MAIL_SENDER="Coélab <no-reply@example.org>")
    send_mail("nadia@example.org", "Votre invitation sur Coélab", "Bonjour Nadia,\nà bientôt.")
    [raw] = smtp_server.messages
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "nadia@example.org"
    assert message["Subject"] == "Votre invitation sur Coélab"
    assert "Bonjour Nadia" in message.get_content()
    assert any("nadia@example.org" in line for line in smtp_server.envelope)


def test_console_backend_prints_the_mail(app, capsys):
    app.config["MAIL_BACKEND"] = "console"
    send_mail("marc@example.org", "Sujet", "Corps du message")
    out = capsys.readouterr().out
    assert "To: marc@example.org" in out and "Corps du message" in out


# --- password reset: the answer does not tell which addresses have an account ----------


class BlockingSMTP:
    """Stands for ``smtplib.SMTP``: a message goes through once the test lets it (or
    after ten seconds, so that a request waiting for it cannot hang the run)."""

    def __init__(self):
        self.started, self.release = threading.Event(), threading.Event()
        self.sent, self.connections, self.fail = [], 0, False

    def __call__(self, host, port, timeout=None):
        self.connections += 1
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        self.started.set()
        if self.fail:
            raise smtplib.SMTPServerDisconnected("relay went away")
        self.release.wait(10)
        self.sent.append(message)


@pytest.fixture
def slow_smtp(app, monkeypatch):
    fake = BlockingSMTP()
    monkeypatch.setattr("coelab.mail.smtplib.SMTP", fake)
    app.config.update(MAIL_BACKEND="smtp", SMTP_STARTTLS=False)
    yield fake
    fake.release.set()


def forgot(app, address: str):
    return post(app.test_client(), "/password/forgot", {"email": address},
                token_from="/password/forgot")


def test_password_reset_answers_before_the_mail_is_sent_for_any_address(app, make,
                                                                        slow_smtp):
    """The request only queues the work: it is answered while the SMTP server still
    holds the message, for an address with an account as for one without."""
    user = make.user()
    for address in (user.email, "ghost@example.org"):
        assert forgot(app, address).status_code == 302
        assert slow_smtp.sent == [], "the answer waited for the SMTP server"
    assert slow_smtp.started.wait(10)  # the known address's mail is on its way
    slow_smtp.release.set()
    assert mail.flush(app)
    [message] = slow_smtp.sent  # and only that one: nothing for the unknown address
    message = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert message["To"] == user.email
    assert "/password/reset/" in message.get_content()


def test_password_reset_request_does_the_same_work_for_every_address(app, make, outbox,
                                                                     monkeypatch):
    """What the request itself runs (its SQL statements, on the request's thread) is
    the same whether or not the address has an account; the mail goes out from the
    background worker, and arrives."""
    from coelab import operations as ops
    from coelab.db import db
    from sqlalchemy import event

    user = make.user()
    here, statements, senders = threading.get_ident(), [], []

    def note(conn, cursor, statement, *args):
        if threading.get_ident() == here:
            statements.append(statement)

    def sending(*args, **kwargs):
        senders.append(threading.get_ident())
        return mail.send_mail(*args, **kwargs)

    monkeypatch.setattr(ops, "send_mail", sending)

    def work_of(address: str) -> list[str]:
        client = app.test_client()
        token = csrf_token(client, "/password/forgot")
        statements.clear()
        response = client.post("/password/forgot",
                               data={"email": address, "csrf_token": token})
        assert response.status_code == 302
        return list(statements)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        known, unknown = work_of(user.email), work_of("ghost@example.org")
        again = work_of(user.email.upper())
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert known == unknown == again
    assert [m.to for m in outbox] == [user.email, user.email]
    assert senders and here not in senders


def test_a_failed_reset_mail_is_logged_with_its_address(app, make, slow_smtp, caplog):
    user = make.user()
    slow_smtp.fail = True
    with caplog.at_level(logging.ERROR, logger="coelab.mail"):
        assert forgot(app, user.email).status_code == 302
        assert mail.flush(app)
    assert any(user.email in r.getMessage() and r.exc_info for r in caplog.records)
