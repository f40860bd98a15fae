"""Frames larger than the server reads: the socket is closed, and its person told why.

Engine.IO closes a WebSocket whose message is over ``max_http_buffer_size`` (set in
``coelab.app`` to twice ``YJS_MAX_SYNC_BYTES``: anything below reaches the handlers,
which answer with an error event). The close alone would make a Yjs provider reconnect
and, resyncing, send the same frame again, in a loop. Here the WebSocket wrapper notes
which Engine.IO socket received such a frame; when it is gone, the socket handlers
refuse that person's next connections to that document for a while with a
``connect_error`` (code ``update-too-large``), which stops a Socket.IO client's
reconnection (see ``coelab.documents.sockets``).
"""

from __future__ import annotations

import time

# Engine.IO socket id -> when it received a frame over the limit
oversized: dict[str, float] = {}
KEEP_SECONDS = 60.0


def noted(eio_sid: str | None) -> bool:
    """Whether this Engine.IO socket received a frame over the limit (and forget it)."""
    return eio_sid is not None and oversized.pop(eio_sid, None) is not None


def _note(eio_sid: str) -> None:
    now = time.monotonic()
    for sid, when in list(oversized.items()):
        if now - when > KEEP_SECONDS:
            del oversized[sid]
    oversized[eio_sid] = now


def install(server) -> None:
    """Wrap the gevent-websocket transport of ``server`` (a python-socketio server)."""
    if server.async_mode != "gevent":
        return
    from engineio.async_drivers import gevent as eio_gevent  # noqa: PLC0415 - engineio's gevent driver, under gevent only

    if getattr(eio_gevent, "SimpleWebSocketWSGI", None) is not None:
        return  # simple-websocket transport: not wrapped
    eio = server.eio
    base = eio._async["websocket"]

    class GuardedWebSocketWSGI(base):
        def wait(self):
            data = super().wait()
            if data is not None and len(data) > eio.max_http_buffer_size:
                socket = getattr(self.app, "__self__", None)  # the Engine.IO socket
                if socket is not None:
                    _note(socket.sid)
            return data

    eio._async = {**eio._async, "websocket": GuardedWebSocketWSGI}
