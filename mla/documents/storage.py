"""Encrypted document content, in the database or under ``instance/documents/``.

Bytes are sealed with AES-256-GCM under the active key of the personal-data key
ring (the same layout as ``mla.core.crypto``: version | key id | nonce | ct+tag),
with the document's id and uid as associated data, so a blob copied onto another
document does not decrypt. Both stores keep exactly this blob; they differ only in
where it lies (``MLA_DOCUMENT_STORE``, see mla.settings):

- ``database`` (default): a row of ``document_contents`` written in the request's own
  transaction, so several application servers share it and a rollback takes it away;
- ``filesystem``: a file per document, written before commit and removed again if the
  unit of work rolls back. Never served from a static path.

``copy_content`` moves an instance from one store to the other (``flask documents
copy --to STORE``): it copies each blob as it is, after checking that it opens.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select, update

from mla.core.crypto import FORMAT_VERSION, KeyRing, KeyRingError, key_id_of, key_ring
from mla.core.transaction import on_rollback
from mla.documents.models import Document, DocumentContent
from mla.extensions import db
from mla.settings import DocumentStore, current_settings

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
    if version != FORMAT_VERSION:
        raise KeyRingError("ciphertext uses an unknown format or key")
    nonce = blob[_HEADER.size:_HEADER.size + _NONCE]
    try:
        return AESGCM(ring.key(key_id)).decrypt(nonce, blob[_HEADER.size + _NONCE:],
                                                 context.encode("utf-8"))
    except InvalidTag:
        raise KeyRingError("document content does not decrypt for this document") from None


def configured_store() -> DocumentStore:
    return DocumentStore(current_settings().document_store)


def in_database() -> bool:
    return configured_store() is DocumentStore.DATABASE


def storage_dir() -> Path:
    """Where the filesystem store keeps its files."""
    return Path(current_settings().instance_path) / "documents"


def _path(uid: str) -> Path:
    if not uid.isalnum():  # uids are hex; refuse anything that could walk the tree
        raise ValueError("bad document uid")
    return storage_dir() / f"{uid}.bin"


def _context(document_id: int, uid: str) -> str:
    return f"documents.content.{document_id}.{uid}"


def write_content(document_id: int, uid: str, data: bytes) -> None:
    """Seal and store; part of the current unit of work (gone again if it rolls back)."""
    blob = seal_bytes(key_ring(), data, context=_context(document_id, uid))
    _save(configured_store(), document_id, uid, blob)


def _save(store: DocumentStore, document_id: int, uid: str, blob: bytes) -> None:
    if store is DocumentStore.DATABASE:
        db.session.add(DocumentContent(document_id=document_id, sealed=blob))
        db.session.flush()
        return
    target = _write_file(uid, blob)
    on_rollback(lambda: target.unlink(missing_ok=True))


def _write_file(uid: str, blob: bytes) -> Path:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    directory = storage_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = _path(uid)
    temp = target.with_suffix(".part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    os.replace(temp, target)
    return target


def sealed_content(document_id: int, uid: str) -> bytes | None:
    """The stored blob as it lies in the configured store, or None when it is missing."""
    return _load(configured_store(), document_id, uid)


def _load(store: DocumentStore, document_id: int, uid: str) -> bytes | None:
    if store is DocumentStore.DATABASE:
        return db.session.scalar(
            db.select(DocumentContent.sealed).where(DocumentContent.document_id == document_id))
    try:
        return _path(uid).read_bytes()
    except FileNotFoundError:
        return None


def content_key_ids() -> Iterator[tuple[int, int]]:
    """(document id, id of the key its content is sealed under) for every document
    whose content lies in the configured store; reads only each blob's header."""
    if in_database():
        rows = db.session.execute(select(DocumentContent.document_id,
                                         func.substr(DocumentContent.sealed, 1, _HEADER.size)))
        for document_id, header in rows:
            yield document_id, _HEADER.unpack(bytes(header))[1]
        return
    for document_id, uid in db.session.execute(select(Document.id, Document.uid)):
        try:
            with _path(uid).open("rb") as handle:
                header = handle.read(_HEADER.size)
        except FileNotFoundError:
            continue
        if len(header) == _HEADER.size:
            yield document_id, _HEADER.unpack(header)[1]


def reseal_content(ring: KeyRing, document_id: int, uid: str) -> bool:
    """Seal a document's content again under the ring's active key (key rotation);
    False when it already is or is missing. KeyRingError when it does not open.
    In the database the update compares the old blob; a file is replaced atomically."""
    store = configured_store()
    blob = _load(store, document_id, uid)
    if blob is None or key_id_of(blob) == ring.active_id:
        return False
    context = _context(document_id, uid)
    fresh = seal_bytes(ring, open_bytes(ring, blob, context=context), context=context)
    if store is DocumentStore.DATABASE:
        db.session.execute(update(DocumentContent)
                           .where(DocumentContent.document_id == document_id,
                                  DocumentContent.sealed == blob)
                           .values(sealed=fresh))
    else:
        _write_file(uid, fresh)
    return True


def read_content(document_id: int, uid: str) -> bytes:
    blob = sealed_content(document_id, uid)
    if blob is None:
        raise KeyRingError("document content is missing from the store")
    return open_bytes(key_ring(), blob, context=_context(document_id, uid))


@dataclass
class CopyReport:
    copied: int = 0
    already_there: int = 0
    missing: list[int] = field(default_factory=list)  # ids with content in neither store
    damaged: list[int] = field(default_factory=list)  # not opening, or not its checksum

    @property
    def complete(self) -> bool:
        return not self.missing and not self.damaged


def copy_content(to_store: DocumentStore | str) -> CopyReport:
    """Copy every document's sealed blob from the other store into ``to_store``,
    unchanged, checking first that it opens and matches the document's checksum.
    Idempotent; the source is left as it is. Flushes; the caller commits."""
    to_store = DocumentStore(to_store)  # ValueError for an unknown store
    from_store = next(store for store in DocumentStore if store is not to_store)
    report = CopyReport()
    ring = key_ring()
    for document in db.session.scalars(db.select(Document).order_by(Document.id)):
        if _load(to_store, document.id, document.uid) is not None:
            report.already_there += 1
            continue
        blob = _load(from_store, document.id, document.uid)
        if blob is None:
            report.missing.append(document.id)
            continue
        try:
            data = open_bytes(ring, blob, context=_context(document.id, document.uid))
        except KeyRingError:
            report.damaged.append(document.id)
            continue
        if hashlib.sha256(data).hexdigest() != document.sha256:
            report.damaged.append(document.id)
            continue
        _save(to_store, document.id, document.uid, blob)
        report.copied += 1
    return report
