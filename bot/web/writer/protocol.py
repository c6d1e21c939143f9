"""What the web process and its delivery writer say to each other over their socket pair.

Every message is a frame: a 4-byte length, then that many bytes. The web process sends a frame
per delivery: its sequence number, the lengths of its id and event name (8, 2 and 2 bytes), the
id, the event name, the raw body. The writer answers a frame per batch: a JSON list of
`[sequence, answer]`, where an answer is `{"jobs": [[id, kind], ...], "action": ...,
"decision": ...}`, `{"duplicate": true}`, `{"malformed": reason}` or `{"error": reason}`.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

MAX_NAME = 255
"""The longest delivery id or event name a frame carries (GitHub's are under 64)."""
_LENGTH = struct.Struct("!I")
_DELIVERY = struct.Struct("!QHH")


@dataclass(frozen=True)
class DeliveryFrame:
    """One delivery as the writer receives it."""

    sequence: int
    delivery: str
    event: str
    body: bytes


def frame(data: bytes) -> bytes:
    """`data` as one frame."""
    return _LENGTH.pack(len(data)) + data


def delivery_message(sequence: int, delivery: str, event: str, body: bytes) -> bytes:
    """What a frame that sends a delivery to the writer carries."""
    names = delivery.encode(), event.encode()
    if max(len(name) for name in names) > MAX_NAME:
        raise ValueError(f"a delivery id or event name longer than {MAX_NAME} bytes")
    return _DELIVERY.pack(sequence, *map(len, names)) + b"".join(names) + body


def read_delivery(data: bytes) -> DeliveryFrame:
    """The delivery a frame carries (what `delivery_message` made)."""
    sequence, id_length, event_length = _DELIVERY.unpack_from(data)
    start = _DELIVERY.size
    return DeliveryFrame(sequence, data[start:start + id_length].decode(),
                         data[start + id_length:start + id_length + event_length].decode(),
                         data[start + id_length + event_length:])


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """The next frame's bytes (asyncio.IncompleteReadError when the other side has gone)."""
    (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    return await reader.readexactly(length)


class Frames:
    """The frames the web process sends, read from a blocking socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self.ended = False

    def batch(self, limit: int) -> list[bytes]:
        """The frames that have arrived, at least one (waiting for it) and at most `limit`;
        empty once the web process has closed its side and every frame was read."""
        frames = list(self._complete(limit))
        while not frames and not self.ended:
            chunk = self._sock.recv(1 << 20)
            self.ended = not chunk
            self._buffer += chunk
            frames = list(self._complete(limit))
        return frames

    def _complete(self, limit: int) -> Iterator[bytes]:
        for _ in range(limit):
            if len(self._buffer) < _LENGTH.size:
                return
            (length,) = _LENGTH.unpack_from(self._buffer)
            end = _LENGTH.size + length
            if len(self._buffer) < end:
                return
            yield bytes(self._buffer[_LENGTH.size:end])
            del self._buffer[:end]



def first_line(error: BaseException) -> str:
    """The exception's type and the first line of its message, for an answer or a log line."""
    message = str(error).partition("\n")[0]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
