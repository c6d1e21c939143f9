"""Bounded capture of a stream: the head and the tail are kept, the middle is counted.

A flood of output must neither block the child (a full pipe would stall it, and a stalled
test looks like a hang) nor fill the parent's memory. So the parent keeps reading and keeps
at most `limit` bytes: the first half and the last half, because a test run's first lines
say what started and its last lines (the summary, the traceback) say how it ended.
"""


class BoundedOutput:
    """Keeps the first and last `limit // 2` bytes of everything fed to it."""

    def __init__(self, limit: int) -> None:
        """Start empty; `limit` is the most bytes ever held."""
        self._head_limit = limit // 2
        self._tail_limit = limit - self._head_limit
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0
        """Bytes fed so far, kept or not."""

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the stream."""
        self.total += len(chunk)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self._tail += chunk[-self._tail_limit :]
            del self._tail[: len(self._tail) - self._tail_limit]

    @property
    def cut(self) -> int:
        """Bytes dropped from the middle."""
        return self.total - len(self._head) - len(self._tail)

    def text(self, name: str) -> str:
        """Return what was kept as text, with a marker where bytes were cut.

        `name` ("stdout", "stderr") goes into the marker. Invalid UTF-8 becomes U+FFFD.
        """
        head = self._head.decode("utf-8", errors="replace")
        tail = self._tail.decode("utf-8", errors="replace")
        if not self.cut:
            return head + tail
        marker = (
            f"\n[… flowbot sandbox: {self.cut} bytes of {name} cut here; "
            f"{self.total} bytes in all, the first and last {len(self._head) + len(self._tail)} "
            "kept …]\n"
        )
        return head + marker + tail
