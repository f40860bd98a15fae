"""Signals the core sends after a change has been written (inside its transaction).

Each is sent with the Flask app as sender; plugins connect in
:meth:`coelab.plugins.Plugin.connect_signals` with ``signal.connect(fn, sender=app)``.
A receiver runs inside the operation's transaction: what it writes commits or rolls
back with the change that triggered it, and an exception it raises cancels the change.
"""

from blinker import Namespace
from flask import current_app

_signals = Namespace()

cohort_created = _signals.signal(
    "cohort-created",
    doc="A cohort was created. Keyword arguments: ``cohort``, ``actor``.",
)

membership_added = _signals.signal(
    "membership-added",
    doc="A person joined a cohort. Keyword arguments: ``membership``, ``actor``.",
)

membership_removed = _signals.signal(
    "membership-removed",
    doc=(
        "A person is about to leave a cohort (the row still exists). "
        "Keyword arguments: ``membership``, ``actor``."
    ),
)

document_created = _signals.signal(
    "document-created",
    doc="A co-edited document was created. Keyword arguments: ``document``, ``actor``.",
)

user_activated = _signals.signal(
    "user-activated",
    doc="An invited person set their password and can now log in. Keyword: ``user``.",
)


def send(signal, **kwargs) -> None:
    """Send ``signal`` with the current app as sender."""

    signal.send(current_app._get_current_object(), **kwargs)

deliverable_started = _signals.signal(
    "deliverable-started",
    doc=(
        "A deliverable was started (its document exists). Keyword arguments: "
        "``deliverable``, ``actor``."
    ),
)

deliverable_decided = _signals.signal(
    "deliverable-decided",
    doc=(
        "A jury's decision on a deliverable was released to its authors (it stays "
        "within the panel until then): sent by ``coelab.jury.operations.release``, not "
        "by the decision. Keyword arguments: ``deliverable``, ``validated`` (bool), "
        "``actor``. Receivers: the cohort package adds the validated competencies to "
        "each author's passeport (``cohort/passport.py``); the recommendations package "
        "publishes a validated collection's adopted entries to the shared corpus."
    ),
)

demo_loaded = _signals.signal(
    "demo-loaded",
    doc=(
        "The demo year's people, cohorts and teams were just created (``coelab demo``), "
        "inside the same transaction. Keyword argument: ``actor`` (the demo coordinator). "
        "Feature packages add their own fictional data."
    ),
)
