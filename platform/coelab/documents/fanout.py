"""Sending one event to many sockets: its WebSocket frames are built once, and each
recipient gets them in one write.

python-socketio encodes a broadcast once, but then hands each recipient the Engine.IO
packets one by one: a binary event (every ``sync-update`` and ``awareness-update``) is two
packets, so two WebSocket frames, each framed again and written by its own ``sendall``
(two system calls each under gevent). With fifty editors that was a third of the
server's time. Here the frames of a binary event without ack are built once and queued
to each upgraded socket as a single packet, which the socket's writer sends as is. The
bytes on the wire are exactly those the stock path sends.

Only used when the WebSocket transport is gevent-websocket (``coelab serve``) and the
client manager is this process's own (no message queue); otherwise, and for a socket
still on long-polling, the stock path sends the event.
"""

from __future__ import annotations

import struct

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet


class Frames(bytes):
    """WebSocket frames ready to be written to a socket (not a payload to frame)."""


class FramedPacket(eio_packet.Packet):
    """An Engine.IO message already framed for the WebSocket transport."""

    def __init__(self, frames: Frames):
        super().__init__(eio_packet.MESSAGE, b"<frames>")
        self.frames = frames

    def encode(self, b64=False):
        return self.frames


def frame(payload: str | bytes) -> bytes:
    """One final, unmasked WebSocket frame (what a server sends): text or binary."""
    if isinstance(payload, str):
        opcode, data = 0x1, payload.encode("utf-8")
    else:
        opcode, data = 0x2, bytes(payload)
    n = len(data)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return header + data


class FramingManager(socketio.Manager):
    """The in-process client manager, sending binary broadcasts pre-framed."""

    framing = False  # set by install() once the transport can write Frames

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None,
             to=None, **kwargs):
        if callback or not self.framing or not isinstance(data, bytes | bytearray):
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, to=to, **kwargs)
        room = to or room
        if namespace not in self.rooms:
            return None
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, data]).encode()
        if not isinstance(encoded, list):
            encoded = [encoded]
        eio_pkts = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in encoded]
        framed = FramedPacket(Frames(b"".join(frame(p.encode()) for p in eio_pkts)))
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        sockets = self.server.eio.sockets
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            socket = sockets.get(eio_sid)
            # upgraded: its writer is the WebSocket one for good (a long-poll would
            # have to encode the packet as a payload)
            if socket is not None and socket.upgraded and not socket.closed:
                writer = getattr(socket, "framing_writer", None)
                if writer is None or not writer.write_now(socket, framed.frames):
                    socket.send(framed)
            else:
                for p in eio_pkts:
                    self.server._send_eio_packet(eio_sid, p)
        return None


def install(server: socketio.Server) -> None:
    """Let ``server``'s WebSocket writers send Frames as they are, if it runs on gevent
    with gevent-websocket and uses a :class:`FramingManager`."""
    manager = server.manager
    if not isinstance(manager, FramingManager) or server.async_mode != "gevent":
        return
    from engineio.async_drivers import gevent as eio_gevent  # noqa: PLC0415 - engineio's gevent driver, under gevent only

    if getattr(eio_gevent, "SimpleWebSocketWSGI", None) is not None:
        return  # simple-websocket transport: keep the stock path

    class FramingWebSocketWSGI(eio_gevent.WebSocketWSGI):
        """The WebSocket of one Engine.IO socket (its writer greenlet calls ``send``)."""

        def __init__(self, handler, server):
            super().__init__(handler, server)
            self.sending = False  # the writer is in send(), perhaps waiting to write
            handler.__self__.framing_writer = self  # handler: the socket's bound method

        def send(self, message):
            self.sending = True
            try:
                if type(message) is Frames:
                    if self._sock.closed:
                        raise ConnectionError("websocket closed")
                    return self._sock.raw_write(message)
                return self._sock.send(message)
            finally:
                self.sending = False

        def write_now(self, socket, frames: Frames) -> bool:
            """Write ``frames`` from the broadcasting greenlet, without waking the
            socket's writer (one switch, one queue round and one timer per recipient
            and message saved), when nothing is queued before them and the writer is
            not in the middle of a write; what the socket cannot take at once is
            queued. False: not written, queue them."""
            ws = getattr(self, "_sock", None)  # set once the handshake is done
            if ws is None or ws.closed or self.sending or not socket.queue.empty():
                return False
            try:
                sent = ws.handler.socket._sock.send(frames)  # non-blocking: never yields
            except BlockingIOError:
                return False
            except OSError:
                return False  # the writer will meet the error and close
            if sent < len(frames):
                socket.send(FramedPacket(Frames(frames[sent:])))
            return True

    eio = server.eio
    eio._async = {**eio._async, "websocket": FramingWebSocketWSGI}
    manager.framing = True
