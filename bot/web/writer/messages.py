"""What the web process and its writer process say to each other, over a socket pair of theirs.

Every message is a frame: a 4-byte length, then a pickled message of a type named here. Each side
reads only the types it expects (`expect`), so a message of any other type is a bug that fails
loudly, never data taken for something else. Pickle is safe here because both ends are this
program and the socket pair is theirs alone; the payloads of webhooks travel as bytes inside a
message, never as pickles of their own.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO, TypeVar

from bot.settings import AppSettings
from bot.web.deliveries import Answer

_LENGTH = struct.Struct("!I")
Message = TypeVar("Message")


@dataclass(frozen=True)
class Start:
    """The web process's first message: the settings the writer opens the store and queue by."""

    settings: AppSettings


@dataclass(frozen=True)
class Ready:
    """The writer's answer to `Start`: the store and the queue are open."""


@dataclass(frozen=True)
class Received:
    """A delivery whose signature the web process checked, as GitHub sent it."""

    delivery: str
    event: str
    body: bytes


@dataclass(frozen=True)
class Batch:
    """Deliveries for the writer to store together."""

    deliveries: list[Received]


@dataclass(frozen=True)
class Written:
    """What came of each delivery of a batch, in its order."""

    answers: list[Answer]


class ProtocolError(Exception):
    """The other side sent something this side does not expect: a bug in one of them."""


def frame(message: object) -> bytes:
    """The message as one frame."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def expect(data: bytes, kind: type[Message]) -> Message:
    """The message a frame's bytes carry, which must be a `kind`."""
    message = pickle.loads(data)  # noqa: S301 - both ends are this program (module docstring)
    if not isinstance(message, kind):
        raise ProtocolError(f"expected {kind.__name__}, got {type(message).__name__}")
    return message


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """The next frame's bytes, on the event loop (asyncio.IncompleteReadError once the other
    side has gone)."""
    (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    return await reader.readexactly(length)


def read_frame_blocking(stream: BinaryIO) -> bytes | None:
    """The next frame's bytes from a blocking stream; None once the other side has closed it."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(header)
    data = stream.read(length)
    if len(data) < length:
        return None
    return data


def send_blocking(sock: socket.socket, message: object) -> None:
    """Send the message as one frame on a blocking socket."""
    sock.sendall(frame(message))
