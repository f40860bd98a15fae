"""Mail goes out over real SMTP when configured (a minimal SMTP server on loopback)."""

from __future__ import annotations

import email
import socketserver
import threading
from email import policy

import pytest
from coelab.mail import send_mail


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
