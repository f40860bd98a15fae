"""What every page's frame shows about its reader, kept between requests.

The header of every page shows the person's unread notifications and their "À traiter"
count. Computed at each page, they cost a query for the first and six to ten for the
second (every plugin's queue: deliverables, comments, schedules, panels...), more than
most pages ask for their own content (docs/architecture.md, "Queries per page"). Its
links ("Mes jurys", "Commissions d'admission"...) depend on the person's seats and
applications, a query or two more on every page.

:func:`kept` keeps such a figure (or the links) per person in the process, with the number of writes
the process had committed when it was computed (:func:`coelab.memo.writes_seen`), for
at most :data:`KEEP_SECONDS`. Any write committed in this process computes them anew at
the next page, so that one process (``coelab serve``, the tests) always shows exact
figures; with several processes (``coelab serve --processes N``), a write made in
another process shows in the header within :data:`KEEP_SECONDS` (the dashboard's own
list is always computed at the page), and so does a due date passing. A page that
computes the figure itself anyway (the dashboard) shows and keeps its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app

from .memo import writes_seen

KEEP_SECONDS = 60.0
# beyond this many people, the oldest half is dropped (a process serves a school, not
# a country; the bound keeps a long-running process's memory flat)
MAX_PEOPLE = 20_000

_lock = threading.Lock()


def _store() -> dict:
    # per app: two apps in one process (the tests) never share a person's figures
    return current_app.extensions.setdefault("coelab_frame", {})


def kept(name: str, user_id: int, load: Callable[[], Any]) -> Any:
    """``load()``, or the value it gave for this person since the last write."""
    store = _store()
    key = (name, user_id)
    stamp = writes_seen()
    now = time.monotonic()
    with _lock:
        found = store.get(key)
    if found is not None and found[0] == stamp and now < found[1]:
        return found[2]
    value = load()
    remember(name, user_id, value, stamp=stamp, now=now)
    return value


def remember(name: str, user_id: int, value: Any, *, stamp: int | None = None,
             now: float | None = None) -> None:
    """Keep ``value`` as the person's figure (a page that computed it for itself)."""
    store = _store()
    stamp = writes_seen() if stamp is None else stamp
    now = time.monotonic() if now is None else now
    with _lock:
        if len(store) >= MAX_PEOPLE:
            for old in sorted(store, key=lambda k: store[k][1])[:len(store) // 2]:
                del store[old]
        store[(name, user_id)] = (stamp, now + KEEP_SECONDS, value)


def kept_for_all(name: str, load: Callable[[], Any]) -> Any:
    """``load()``, kept like a person's figure but for everyone: what every page may
    show and only a write changes (the programme's themes, coelab/plugins.py). The value
    must be plain data (no database rows: they belong to one request's session)."""
    return kept(name, 0, load)
