"""Files sealed at rest: uploaded sheets and made downloads, each under a key of its own.

A job that keeps a file (an import's sheet, a batch of certificates) gets a random 32-byte file
key; the key is stored only wrapped under the root key, in the job's row (never beside the file),
bound to a context naming the job. Deleting the wrapped key makes the file unreadable even where
a copy of it survives; deleting the file and the key is how expiry and erasure end it.

The file is written in chunks, so neither sealing nor opening holds the whole of it in memory and
the plaintext never touches the disk::

    magic "KEMF1\\n" | chunk 0 | chunk 1 | … | chunk n-1
    chunk i = nonce (12) | AES-256-GCM(ciphertext of up to CHUNK bytes) | tag (16)

Every chunk but the last holds exactly ``CHUNK`` bytes of plaintext; the last holds 1 to
``CHUNK`` (0 only for an empty file), so the plaintext length follows from the file's size. The associated data of chunk i is
the file's context, i and whether it is the last one, so chunks cannot be reordered, dropped,
moved to another file, or the file cut at a chunk boundary, without opening failing
(``TamperedError``). Because chunks have a fixed size, :class:`SealedReader` can seek: a zip
(XLSX) is read in place, one chunk at a time.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kem.vault import crypto
from kem.vault.errors import EnvelopeFormatError, TamperedError
from kem.vault.keyring import root_keyring

MAGIC = b"KEMF1\n"
CHUNK = 64 * 1024
TAG_BYTES = 16
OVERHEAD = crypto.NONCE_BYTES + TAG_BYTES
INFO_FILE = b"kem/v1/file"


# --- keys ---------------------------------------------------------------------------------------
def new_file_key() -> bytes:
    """A fresh random file key (32 bytes)."""
    return crypto.new_key()


def wrap_file_key(key: bytes, *, context: str) -> str:
    """``key`` wrapped under the newest root key, bound to ``context`` (e.g. the job's table and id)."""
    return root_keyring().current.seal(key, context=context)


def unwrap_file_key(wrapped: str, *, context: str) -> bytes:
    """The file key; ``TamperedError`` if the wrap was moved, ``UnknownKeyError`` if its root key is gone."""
    return root_keyring().open(wrapped, context=context)


def wrapped_by_old_root_key(wrapped: str) -> bool:
    """Whether ``wrapped`` names a root key other than the newest (``rotate_keys`` re-wraps it)."""
    kid, _blob = crypto.parse(wrapped)
    return kid != root_keyring().current.kid


def rewrap_file_key(wrapped: str, *, context: str) -> str:
    """The same file key, wrapped under the newest root key."""
    return wrap_file_key(unwrap_file_key(wrapped, context=context), context=context)


def _aead(key: bytes) -> Any:
    return crypto.Sealer.for_key(key, info=INFO_FILE).aead


def _aad(context: str, index: int, last: bool) -> bytes:
    return b"kemf1|" + context.encode() + b"|" + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


# --- writing ------------------------------------------------------------------------------------
class SealingWriter(io.RawIOBase):
    """A write-only binary stream that seals what it is given, chunk by chunk, into ``out``.

    ``tell()`` is the plaintext position (zipfile asks for it); seeking is not possible.
    ``close()`` seals the last chunk; a writer that is not closed leaves a file that does not open.
    """

    def __init__(self, out: Any, key: bytes, *, context: str) -> None:
        super().__init__()
        self._out = out
        self._aead = _aead(key)
        self._context = context
        self._buffer = bytearray()
        self._index = 0
        self._written = 0
        self._out.write(MAGIC)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed sealed file")
        view = memoryview(data).cast("B")
        self._buffer += view
        self._written += len(view)
        # Keep at least one byte back: the last chunk is sealed as last, on close.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(view)

    def tell(self) -> int:
        return self._written

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        nonce = os.urandom(crypto.NONCE_BYTES)
        self._out.write(nonce + self._aead.encrypt(nonce, plaintext, _aad(self._context, self._index, last)))
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()

    @property
    def size(self) -> int:
        """Plaintext bytes written so far."""
        return self._written


@contextmanager
def seal_file(path: Path, key: bytes, *, context: str) -> Iterator[SealingWriter]:
    """Create ``path`` (owner-only, must not exist) and yield a writer that seals into it.

    If the block raises, the file is deleted.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            writer = SealingWriter(out, key, context=context)
            yield writer
            writer.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def seal_chunks(chunks: Iterable[bytes], path: Path, key: bytes, *, context: str) -> int:
    """Seal the byte strings ``chunks`` into a new file ``path``; returns the plaintext size."""
    with seal_file(path, key, context=context) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return writer.size


# --- reading ------------------------------------------------------------------------------------
def plaintext_size(sealed_size: int) -> int:
    """The plaintext length of a sealed file of ``sealed_size`` bytes."""
    body = sealed_size - len(MAGIC)
    if body < OVERHEAD:
        raise EnvelopeFormatError("Sealed file is too short.")
    chunks = -(-body // (CHUNK + OVERHEAD))
    size = body - chunks * OVERHEAD
    if size < (chunks - 1) * CHUNK:
        raise EnvelopeFormatError("Sealed file has a cut chunk.")
    return size


class SealedReader(io.RawIOBase):
    """A read-only, seekable binary stream over a sealed file; opens one chunk at a time."""

    def __init__(self, handle: Any, key: bytes, *, context: str) -> None:
        super().__init__()
        self._handle = handle
        self._aead = _aead(key)
        self._context = context
        handle.seek(0, io.SEEK_END)
        sealed_size = handle.tell()
        handle.seek(0)
        if handle.read(len(MAGIC)) != MAGIC:
            raise EnvelopeFormatError("Not a sealed file.")
        self._size = plaintext_size(sealed_size)
        self._chunks = max(1, -(-(sealed_size - len(MAGIC)) // (CHUNK + OVERHEAD)))
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        last = index == self._chunks - 1
        self._handle.seek(len(MAGIC) + index * (CHUNK + OVERHEAD))
        blob = self._handle.read(CHUNK + OVERHEAD)
        try:
            plaintext: bytes = self._aead.decrypt(
                blob[: crypto.NONCE_BYTES], blob[crypto.NONCE_BYTES :], _aad(self._context, index, last)
            )
        except Exception:
            raise TamperedError(f"Sealed file does not open at {self._context}: altered or moved.") from None
        self._cached = (index, plaintext)
        return plaintext

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._position >= self._size or not len(view):
            return 0
        index, offset = divmod(self._position, CHUNK)
        piece = self._chunk(index)[offset : offset + len(view)]
        view[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
            self._cached = None
        super().close()


def open_file(path: Path, key: bytes, *, context: str) -> io.BufferedReader:
    """A buffered, seekable binary stream of the plaintext of the sealed file ``path``.

    Chunks are opened as they are read: a tampered or truncated file raises ``TamperedError``
    (or ``EnvelopeFormatError``) when the broken part is reached. Close it (or use ``with``).
    """
    handle = path.open("rb")
    try:
        return io.BufferedReader(SealedReader(handle, key, context=context), buffer_size=CHUNK)
    except BaseException:
        handle.close()
        raise


def read_all(path: Path, key: bytes, *, context: str) -> bytes:
    """The whole plaintext (for small files and tests)."""
    with open_file(path, key, context=context) as stream:
        data: bytes = stream.read()
    return data
