"""Outgoing mail: SMTP in production, printed to the console locally, kept in memory in tests.

:func:`send_mail` sends at once. :func:`send_later` queues work that mails someone (a
password reset) to run after the request, in the background: a request whose answer
must not tell anything by its duration only queues it.
"""

from __future__ import annotations

import atexit
import logging
import smtplib
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app

from .extensions import socketio

log = logging.getLogger(__name__)

FLUSH_SECONDS = 30


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class MailJobs:
    """The app's queue of background mail work, run in order by one worker: a thread,
    or a greenlet under ``coelab serve`` (``socketio.start_background_task`` follows the
    app's async mode). The worker stops when the queue is empty and starts again with
    the next job. A job that fails is logged with what it was about (the address)."""

    def __init__(self, app: Flask):
        self.app = app
        self._jobs: deque[tuple[Callable[..., Any], tuple, str]] = deque()
        self._done = threading.Condition()
        self._pending = 0
        self._running = False
        self._current: str | None = None
        _every_queue.add(self)

    def submit(self, job: Callable[..., Any], args: tuple, about: str) -> None:
        with self._done:
            self._jobs.append((job, args, about))
            self._pending += 1
            start, self._running = not self._running, True
        if not start:
            return

        try:
            socketio.start_background_task(self._work)
        except Exception:  # noqa: BLE001 - no worker: send now rather than never
            log.exception("could not start the mail worker; sending in the request")
            self._work()

    def _work(self) -> None:
        while True:
            with self._done:
                if not self._jobs:
                    self._running = False
                    return
                job, args, about = self._jobs.popleft()
                self._current = about
            try:
                with self.app.app_context():
                    job(*args)
            except Exception:  # noqa: BLE001 - the request is long answered: log it
                log.exception("could not send %s", about)
            finally:
                with self._done:
                    self._pending -= 1
                    self._current = None
                    self._done.notify_all()

    def flush(self, timeout: float = FLUSH_SECONDS) -> bool:
        """Wait until every queued job has run; False if some still run after ``timeout``."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def waiting(self) -> list[str]:
        """What the queued jobs (the running one first) are about."""
        with self._done:
            running = [self._current] if self._current else []
            return running + [about for _job, _args, about in self._jobs]


_every_queue: weakref.WeakSet[MailJobs] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    """A process that stops sends what it queued first; what it cannot is logged."""
    for jobs in list(_every_queue):
        if not jobs.flush():
            for about in jobs.waiting():
                log.error("not sent (the process stopped): %s", about)


def _jobs(app: Flask | None = None) -> MailJobs:
    app = app or current_app._get_current_object()
    jobs = app.extensions.get("coelab_mail_jobs")
    if jobs is None:
        jobs = app.extensions.setdefault("coelab_mail_jobs", MailJobs(app))
    return jobs


def send_later(job: Callable[..., Any], *args: Any, about: str) -> None:
    """Run ``job(*args)`` in the background, in an app context of the current app, in
    the order queued; ``about`` says what it sends (for the log, if it fails)."""
    _jobs().submit(job, args, about)


def flush(app: Flask | None = None, timeout: float = FLUSH_SECONDS) -> bool:
    """Wait for the mail queued with :func:`send_later` (tests, benchmarks, shutdown)."""
    return _jobs(app).flush(timeout)


class Outbox(list):
    """The ``memory`` backend's mail. Reading it first waits for the background jobs,
    so that what a request queued is there when a test looks."""

    def __init__(self, jobs: MailJobs):
        super().__init__()
        self._jobs = jobs

    def _settle(self) -> None:
        if not self._jobs.flush():
            raise TimeoutError(f"mail jobs still running after {FLUSH_SECONDS} s")


def _settling(name: str):
    method = getattr(list, name)

    def read(self, *args, **kwargs):
        self._settle()
        return method(self, *args, **kwargs)

    read.__name__ = name
    return read


for _name in ("__iter__", "__len__", "__getitem__", "__contains__", "__eq__", "__ne__",
              "__reversed__", "__repr__", "count", "index", "copy", "clear", "pop"):
    setattr(Outbox, _name, _settling(_name))


def outbox() -> list[Mail]:
    """Mail sent with the ``memory`` backend (tests read it)."""
    box = current_app.extensions.get("coelab_outbox")
    if box is None:
        box = current_app.extensions.setdefault("coelab_outbox", Outbox(_jobs()))
    return box


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
