"""The frames between the web process and its delivery writer (`bot.web.writer.protocol`): every
frame arrives whole and in order however the socket cuts the bytes, batches stop at their
limit, and names too long for a frame are refused before anything is sent."""

from __future__ import annotations

import socket
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.web.writer.protocol import MAX_NAME, Frames, delivery_message, frame, read_delivery


@given(bodies=st.lists(st.binary(max_size=5000), min_size=1, max_size=40),
       cut=st.integers(min_value=1, max_value=7000))
def test_frames_arrive_whole_and_in_order_however_they_are_cut(bodies: list[bytes],
                                                               cut: int) -> None:
    sent = b"".join(frame(delivery_message(n, f"d-{n}", "issues", body))
                    for n, body in enumerate(bodies))
    ours, theirs = socket.socketpair()
    received: list[bytes] = []

    def send_in_pieces() -> None:
        for start in range(0, len(sent), cut):
            ours.sendall(sent[start:start + cut])
        ours.shutdown(socket.SHUT_WR)

    with ours, theirs:
        sender = threading.Thread(target=send_in_pieces)
        sender.start()
        frames = Frames(theirs)
        while batch := frames.batch(limit=3):
            assert 1 <= len(batch) <= 3
            received.extend(batch)
        sender.join()

    deliveries = [read_delivery(data) for data in received]
    assert [(d.sequence, d.delivery, d.event, d.body) for d in deliveries] == [
        (n, f"d-{n}", "issues", body) for n, body in enumerate(bodies)]


def test_a_name_too_long_for_a_frame_is_refused() -> None:
    with pytest.raises(ValueError, match=f"longer than {MAX_NAME} bytes"):
        delivery_message(1, "d" * (MAX_NAME + 1), "issues", b"{}")
