"""Broadcasts framed once (coelab.documents.fanout): the same bytes as the stock path."""

from __future__ import annotations

import socketio
from coelab.documents.fanout import FramedPacket, FramingManager, frame
from engineio import packet as eio_packet
from geventwebsocket.websocket import Header

NS = "/yjs|1"


def test_frames_are_those_gevent_websocket_writes():
    for n in (0, 5, 125, 126, 1000, 65535, 65536, 200_000):
        for payload in (b"x" * n, "é" * (n // 2)):
            data = payload.encode() if isinstance(payload, str) else payload
            opcode = 1 if isinstance(payload, str) else 2
            assert frame(payload) == Header.encode_header(True, opcode, b"", len(data), 0) + data


class FakeSocket:
    def __init__(self, upgraded: bool):
        self.upgraded, self.closed, self.sent = upgraded, False, []

    def send(self, pkt):
        self.sent.append(pkt)


def test_a_binary_broadcast_is_one_framed_packet_per_upgraded_socket():
    server = socketio.Server(client_manager=FramingManager(), async_mode="threading")
    manager = server.manager
    manager.framing = True
    sids = [manager.connect(eio_sid, NS) for eio_sid in ("a", "b", "c")]
    server.eio.sockets = {"a": FakeSocket(True), "b": FakeSocket(False), "c": FakeSocket(True)}

    manager.emit("sync-update", b"\x01\x02\x03", NS, skip_sid=sids[2])

    header = f'451-{NS},["sync-update",{{"_placeholder":true,"num":0}}]'
    [framed] = server.eio.sockets["a"].sent
    assert isinstance(framed, FramedPacket)
    assert framed.encode() == frame(header) + frame(b"\x01\x02\x03")
    # still on long-polling: the stock Engine.IO packets
    stock = server.eio.sockets["b"].sent
    assert [p.encode() for p in stock] == [header, b"\x01\x02\x03"]
    assert all(type(p) is eio_packet.Packet for p in stock)
    assert server.eio.sockets["c"].sent == []  # skipped


def test_other_events_take_the_stock_path():
    server = socketio.Server(client_manager=FramingManager(), async_mode="threading")
    manager = server.manager
    manager.framing = True
    manager.connect("a", NS)
    server.eio.sockets = {"a": FakeSocket(True)}
    manager.emit("yjs-error", {"code": "read-only"}, NS)
    [sent] = server.eio.sockets["a"].sent
    assert type(sent) is eio_packet.Packet
    assert sent.encode() == f'42{NS},["yjs-error",{{"code":"read-only"}}]'
