"""The co-editing connections of this process: who is connected to which document,
and the messages a socket is told when something is refused.

Kept apart from the Socket.IO handlers (:mod:`.sockets`) so that the access watcher
(:mod:`.access`) and the operations that announce changes (comments) reach the live
connections without importing the handlers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

PREFIX = "/yjs|"


class Turns:
    """One at a time, first come, first served: a socket's updates in the order they
    arrived. A lock would not do: under gevent, a greenlet that asks for a lock just
    released takes it before those already waiting for it, so an update could overtake
    the ones before it whenever the holder yields (waiting for Redis, for instance)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # held for a few statements, never across a yield
        self._next = 0  # tickets handed out
        self._serving = 0  # the ticket whose turn it is
        self._waiting: dict[int, threading.Event] = {}

    def take(self) -> None:
        """Wait for this caller's turn (its ticket is handed out at once)."""
        with self._lock:
            ticket = self._next
            self._next += 1
            if ticket == self._serving:
                return
            event = self._waiting[ticket] = threading.Event()
        event.wait()

    def done(self) -> None:
        """The current turn is over: wake the next ticket, if it is waiting."""
        with self._lock:
            self._serving += 1
            event = self._waiting.pop(self._serving, None)
        if event is not None:
            event.set()


@dataclass
class Connection:
    user_id: int
    document_id: int
    may_write: bool
    # the ``user`` field of this socket's presence (see awareness.stamp)
    identity: dict = field(default_factory=dict)
    principal: Principal | None = None
    principal_read: float = 0.0
    # held by an update from its arrival until it is queued for storing, so that a
    # socket's updates are stored in the order they came (see _take_update)
    order: Turns = field(default_factory=lambda: Turns())
    # the server has asked (or is waiting for the budget to ask) this socket to resync
    resync_pending: bool = False
    # resync answers in a row that could not be integrated either
    resync_failures: int = 0
    # its resync answers are too large to ever be taken: stop asking
    gave_up: bool = False
    # the server-side session it was opened in (coelab.sessions): when it ends, so does
    # the socket (see access.recheck)
    session_id: int | None = None


@dataclass(frozen=True)
class Principal:
    """What the policy needs of the person behind a socket, re-read every few seconds
    rather than loading their account for every keystroke."""

    id: int
    is_coordinator: bool
    is_admin: bool
    is_authenticated: bool = True


# sid -> connection, for this process (python-socketio sids are per namespace connection)
connections: dict[str, Connection] = {}

MESSAGES = {
    "read-only": _l("vous pouvez lire ce document, pas le modifier ; votre modification n'a "
                    "pas été enregistrée."),
    "invalid-update": _l("la modification reçue est illisible ; elle n'a pas été "
                         "enregistrée."),
    "unsupported-update": _l("ce format de modification (Yjs v2) n'est pas accepté ; "
                             "envoyez des mises à jour Yjs v1."),
    "update-too-large": _l("la modification dépasse la taille permise."),
    "rate-limited": _l("trop de modifications d'un coup ; elles seront renvoyées "
                       "automatiquement dans un instant."),
    "out-of-sync": _l("cette modification s'appuie sur des modifications que le serveur "
                      "n'a pas encore reçues ; elles sont redemandées automatiquement."),
    "frame-too-large": _l("votre dernière modification est trop volumineuse pour être "
                          "envoyée. Copiez votre texte en lieu sûr, retirez du document le "
                          "passage que vous venez d'ajouter, puis rechargez la page dans une "
                          "minute."),
    "document-too-large": _l("vos dernières modifications rendent le document trop "
                             "volumineux pour être enregistrées. Copiez votre texte en "
                             "lieu sûr, retirez du document le passage que vous venez "
                             "d'ajouter, puis rechargez la page."),
    "unauthenticated": _l("votre session a pris fin ; reconnectez-vous."),
    "unknown-document": _l("ce document n'existe pas, ou vous n'y avez pas accès."),
    "invalid-state-vector": _l("la demande de synchronisation est illisible."),
    "invalid-awareness": _l("l'information de présence reçue est illisible."),
    "not-joined": _l("cette connexion n'a rejoint aucun document."),
    "server-error": _l("le serveur n'a pas pu traiter cet événement ; rien n'est perdu de "
                       "votre côté, il sera synchronisé de nouveau."),
    "access-revoked": _l("vous n'avez plus accès à ce document ; la connexion est "
                         "fermée."),
}


