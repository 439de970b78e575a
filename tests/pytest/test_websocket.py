"""WebSocket protocol edge cases over a raw socket (RFC 6455; src/net/ws.h): fragmented
client messages, invalid UTF-8 in a text message (close 1007), unmasked client frames,
client close handshake, and a handshake without the upgrade headers."""
import base64
import hashlib
import json
import os
import struct

from helpers import RawReader, raw_connect, raw_request


def _handshake(server, token):
    s = raw_connect(server)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(raw_request("GET", f"/v1/updates/ws?token={token}", headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13"}))
    rd = RawReader(s)
    r = rd.read(head=True)
    assert r.status == 101, r
    assert r.headers.get("upgrade", "").lower() == "websocket"

    want = base64.b64encode(hashlib.sha1(
        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    assert r.headers.get("sec-websocket-accept") == want
    return s, rd


def _frame(opcode, payload, fin=True, mask=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        head = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return head + payload
    k = os.urandom(4)
    return head + k + bytes(c ^ k[i % 4] for i, c in enumerate(payload))


def _read_frame(rd):
    hdr = rd._exact(2)
    opcode = hdr[0] & 0x0F
    n = hdr[1] & 0x7F
    assert not hdr[1] & 0x80, "server frames must not be masked"
    if n == 126:
        n = struct.unpack("!H", rd._exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", rd._exact(8))[0]
    return opcode, rd._exact(n)


def _next_data(rd):
    """Next text/close frame, answering nothing and skipping server pings."""
    while True:
        op, data = _read_frame(rd)
        if op in (0x1, 0x8):
            return op, data


def test_fragmented_ping_gets_pong(user):
    a = user()
    s, rd = _handshake(a.server, a.token)
    op, hello = _next_data(rd)
    assert op == 1 and json.loads(hello)["type"] == "hello"
    msg = json.dumps({"type": "ping"}).encode()
    s.sendall(_frame(0x1, msg[:4], fin=False) + _frame(0x0, msg[4:9], fin=False)
              + _frame(0x9, b"ctl") + _frame(0x0, msg[9:], fin=True))
    # a control frame may arrive between fragments: the server answers it with a pong frame
    ops = []
    while True:
        op, data = _read_frame(rd)
        ops.append(op)
        if op == 0xA:
            assert data == b"ctl"
        if op == 0x1:
            assert json.loads(data) == {"type": "pong"}
            break
    assert 0xA in ops, "no pong frame for the client's ping"
    s.close()


def test_invalid_utf8_text_closes_1007(user):
    a = user()
    s, rd = _handshake(a.server, a.token)
    _next_data(rd)
    s.sendall(_frame(0x1, b'{"type":"\xff\xfe"}'))
    op, data = _next_data(rd)
    assert op == 8 and struct.unpack("!H", data[:2])[0] == 1007, (op, data)
    s.close()


def test_unmasked_client_frame_closes_1002(user):
    a = user()
    s, rd = _handshake(a.server, a.token)
    _next_data(rd)
    s.sendall(_frame(0x1, b'{"type":"ping"}', mask=False))
    op, data = _next_data(rd)
    assert op == 8 and struct.unpack("!H", data[:2])[0] == 1002, (op, data)
    s.close()


def test_client_close_is_echoed(user):
    a = user()
    s, rd = _handshake(a.server, a.token)
    _next_data(rd)
    s.sendall(_frame(0x8, struct.pack("!H", 1000) + b"bye"))
    op, data = _next_data(rd)
    assert op == 8 and struct.unpack("!H", data[:2])[0] == 1000
    assert rd.closed(5)
    s.close()


def test_updates_ws_without_upgrade_headers(user):
    a = user()
    s = raw_connect(a.server)
    s.sendall(raw_request("GET", f"/v1/updates/ws?token={a.token}"))
    r = RawReader(s).read()
    assert r.status == 400, r
    s.close()


def test_ws_after_many_connections_server_fine(user):
    """Open and drop 50 WebSockets abruptly; the server keeps serving."""
    a = user()
    socks = [_handshake(a.server, a.token)[0] for _ in range(50)]
    for s in socks:
        s.close()
    assert a.me()["id"] == a.id
