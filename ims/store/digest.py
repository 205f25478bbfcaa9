"""Size, MD5 and SHA-512 of a stream, computed while it passes."""

from __future__ import annotations

import hashlib
import queue
import threading
from dataclasses import dataclass

# Chunks waiting for each hash: bounds the memory a slow hash can hold on to.
_QUEUE_CHUNKS = 8
# Smaller chunks are hashed in the caller's thread: a queue round trip would cost more.
_INLINE_BELOW = 64 * 1024
_DONE = None


@dataclass(frozen=True)
class Digests:
    """What a finished stream measured: its size in bytes and its hex digests."""

    size: int
    md5: str
    sha512: str


class _Hasher(threading.Thread):
    """One hash fed through a bounded queue; hashlib releases the GIL on large chunks."""

    def __init__(self, algorithm: str) -> None:
        super().__init__(name=f"digest-{algorithm}", daemon=True)
        self.hash = hashlib.new(algorithm)
        self.chunks: queue.Queue[bytes | None] = queue.Queue(_QUEUE_CHUNKS)

    def run(self) -> None:
        while (chunk := self.chunks.get()) is not _DONE:
            self.hash.update(chunk)


class StreamDigest:
    """Hash a stream chunk by chunk with MD5 and SHA-512 at once.

    MD5 and SHA-512 each take a core's full speed on large files; run side by side in two
    threads they cost the stream about one of them instead of their sum. The threads start
    with the first large chunk, so small streams never start any.
    """

    def __init__(self) -> None:
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha512 = hashlib.sha512()
        self._threads: list[_Hasher] = []

    def update(self, chunk: bytes) -> None:
        """Add the next chunk of the stream."""
        self.size += len(chunk)
        if not self._threads and len(chunk) < _INLINE_BELOW:
            self._md5.update(chunk)
            self._sha512.update(chunk)
            return
        if not self._threads:
            self._start()
        for thread in self._threads:
            thread.chunks.put(chunk)

    def _start(self) -> None:
        for name, hashed in (("md5", self._md5), ("sha512", self._sha512)):
            thread = _Hasher(name)
            thread.hash = hashed
            thread.start()
            self._threads.append(thread)

    def _join(self) -> None:
        for thread in self._threads:
            thread.chunks.put(_DONE)
        for thread in self._threads:
            thread.join()
        self._threads = []

    def finish(self) -> Digests:
        """The size and digests of everything added."""
        self._join()
        return Digests(self.size, self._md5.hexdigest(), self._sha512.hexdigest())

    def cancel(self) -> None:
        """Stop hashing (the stream was abandoned)."""
        self._join()
