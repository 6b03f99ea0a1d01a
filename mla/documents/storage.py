"""Encrypted file content under ``instance/documents/``; never served from a static path.

Bytes are sealed with AES-256-GCM under the active key of the personal-data key
ring (the same layout as ``mla.core.crypto``: version | key id | nonce | ct+tag),
with the document's id and uid as associated data, so a file copied onto another
document's name does not decrypt.
"""

from __future__ import annotations

import os
import secrets
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mla.core.crypto import FORMAT_VERSION, KeyRing, KeyRingError, key_ring
from mla.settings import current_settings

_HEADER = struct.Struct(">BI")
_NONCE = 12


def seal_bytes(ring: KeyRing, data: bytes, *, context: str) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    sealed = AESGCM(ring.keys[ring.active_id]).encrypt(nonce, data, context.encode("utf-8"))
    return _HEADER.pack(FORMAT_VERSION, ring.active_id) + nonce + sealed


def open_bytes(ring: KeyRing, blob: bytes, *, context: str) -> bytes:
    if len(blob) < _HEADER.size + _NONCE + 16:
        raise KeyRingError("ciphertext too short")
    version, key_id = _HEADER.unpack_from(blob)
    if version != FORMAT_VERSION or key_id not in ring.keys:
        raise KeyRingError("ciphertext uses an unknown format or key")
    nonce = blob[_HEADER.size:_HEADER.size + _NONCE]
    try:
        return AESGCM(ring.keys[key_id]).decrypt(nonce, blob[_HEADER.size + _NONCE:],
                                                 context.encode("utf-8"))
    except InvalidTag:
        raise KeyRingError("document content does not decrypt for this document") from None


def storage_dir() -> Path:
    return Path(current_settings().instance_path) / "documents"


def _path(uid: str) -> Path:
    if not uid.isalnum():  # uids are hex; refuse anything that could walk the tree
        raise ValueError("bad document uid")
    return storage_dir() / f"{uid}.bin"


def _context(document_id: int, uid: str) -> str:
    return f"documents.content.{document_id}.{uid}"


def write_content(document_id: int, uid: str, data: bytes) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    directory = storage_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = _path(uid)
    temp = target.with_suffix(".part")
    blob = seal_bytes(key_ring(), data, context=_context(document_id, uid))
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    os.replace(temp, target)


def delete_content(uid: str) -> None:
    _path(uid).unlink(missing_ok=True)


def read_content(document_id: int, uid: str) -> bytes:
    try:
        blob = _path(uid).read_bytes()
    except FileNotFoundError:
        raise KeyRingError("document content is missing from the store") from None
    return open_bytes(key_ring(), blob, context=_context(document_id, uid))
