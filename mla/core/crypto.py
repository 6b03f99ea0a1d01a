"""Personal data encrypted at rest: AES-256-GCM under a key ring kept outside the database.

Each value is bound to its table, column and row (the associated data), so a
ciphertext copied into another row or column does not decrypt. Exact-match
search uses a keyed blind index (HMAC-SHA256 over the normalised value) under a
separate key, so the database alone reveals neither names nor their equality
across deployments.

Ciphertext layout: version byte (1) | key id (4 bytes, big-endian) | nonce (12) | ct+tag.

Key rotation (``flask keys rotate``, mla.keys): a new key becomes active, every sealed
value is sealed again under it, and the old key is then *retired*: kept in the ring
(old backups still need it) but never used to seal again. Every column of type
``SealedBytes`` is found by rotation from the metadata, so a new encrypted column
needs nothing more than its type. A ring read from a file reloads itself when the
file changes, so running servers learn a new key without a restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import struct
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, has_app_context
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

from mla.settings import ConfigError, Settings

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_HEADER = struct.Struct(">BI")


class KeyRingError(RuntimeError):
    """The key ring is missing, unreadable or cannot decrypt a value."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[int, bytes]
    active_id: int
    index_key: bytes
    instance_id: str
    # The MLA_MODE the ring was created for ("" in files written before it was
    # recorded); a sandbox never uses a production ring (mla.sandbox.guard).
    mode: str = ""
    # Keys no value is sealed under any more (kept to read older backups; see keys rotate).
    retired: frozenset[int] = frozenset()
    # The blind-index key being replaced while `keys rotate --blind-index` rebuilds the
    # index: searches try both until the rebuild ends and it is dropped.
    previous_index_key: bytes | None = field(default=None, repr=False)
    # The file the ring was read from (None: MLA_KEY_RING or made in memory).
    source: Path | None = field(default=None, compare=False, repr=False)

    # -- persistence -------------------------------------------------------------
    @classmethod
    def generate(cls, mode: str = "") -> KeyRing:
        return cls(
            keys={1: AESGCM.generate_key(bit_length=256)},
            active_id=1,
            index_key=secrets.token_bytes(32),
            instance_id=secrets.token_hex(16),
            mode=mode,
        )

    def to_json(self) -> str:
        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode("ascii")

        data: dict[str, object] = {
            "format": FORMAT_VERSION,
            "instance_id": self.instance_id,
            "active": self.active_id,
            "keys": {str(k): b64(v) for k, v in sorted(self.keys.items())},
            "index_key": b64(self.index_key),
        }
        if self.mode:
            data["mode"] = self.mode
        if self.retired:
            data["retired"] = sorted(self.retired)
        if self.previous_index_key is not None:
            data["previous_index_key"] = b64(self.previous_index_key)
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        try:
            data = json.loads(text)
            keys = {int(k): base64.b64decode(v) for k, v in data["keys"].items()}
            ring = cls(
                keys=keys,
                active_id=int(data["active"]),
                index_key=base64.b64decode(data["index_key"]),
                instance_id=str(data["instance_id"]),
                mode=str(data.get("mode", "")),
                retired=frozenset(int(k) for k in data.get("retired", ())),
                previous_index_key=(base64.b64decode(data["previous_index_key"])
                                    if data.get("previous_index_key") else None),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"the key ring is malformed: {exc.__class__.__name__}") from None
        if (ring.active_id not in ring.keys or ring.active_id in ring.retired
                or any(len(k) != 32 for k in keys.values())):
            raise KeyRingError("the key ring is malformed: bad key lengths or active key id")
        return ring

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """The ring in MLA_KEY_RING (JSON, as a secret store hands it to every server),
        else the file MLA_KEY_FILE, created when missing."""
        if settings.key_ring_json is not None:
            try:
                return cls.from_json(settings.key_ring_json)
            except KeyRingError as exc:
                raise ConfigError(f"MLA_KEY_RING does not hold a usable key ring: {exc}.") from None
        return cls.load_or_create(
            settings.key_file, mode=settings.mode,
            warn_on_create=settings.mode == "production" and not settings.testing)

    @classmethod
    def load_or_create(cls, path: Path, *, warn_on_create: bool, mode: str = "") -> KeyRing:
        if path.is_file():
            return replace(cls.from_json(path.read_text(encoding="utf-8")), source=path)
        ring = replace(cls.generate(mode), source=path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(ring.to_json())
        if warn_on_create:
            log.warning(
                "Created a new key ring at %s. Back it up: without it the personal data in "
                "the database cannot be read. Point MLA_KEY_FILE at a managed secret.",
                path,
            )
        return ring

    def save(self, path: Path) -> None:
        """Write the ring to ``path`` atomically (a reader sees the old or the new file),
        readable by the owner only."""
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)

    def rotated(self) -> KeyRing:
        """A ring with a new active key; old keys stay to read existing values."""
        new_id = max(self.keys) + 1
        keys = dict(self.keys)
        keys[new_id] = AESGCM.generate_key(bit_length=256)
        return replace(self, keys=keys, active_id=new_id)

    @property
    def rotating_from(self) -> list[int]:
        """Keys neither active nor retired: a rotation to the active key is under way."""
        return sorted(k for k in self.keys if k != self.active_id and k not in self.retired)

    def with_retired(self, key_ids: set[int] | frozenset[int]) -> KeyRing:
        if self.active_id in key_ids:
            raise KeyRingError("the active key cannot be retired")
        return replace(self, retired=self.retired | frozenset(key_ids))

    def with_new_index_key(self) -> KeyRing:
        """A new blind-index key; the old one answers searches until the rebuild ends."""
        return replace(self, index_key=secrets.token_bytes(32),
                       previous_index_key=self.index_key)

    def without_previous_index_key(self) -> KeyRing:
        return replace(self, previous_index_key=None)

    def key(self, key_id: int) -> bytes:
        """The key a ciphertext names. A ring read from a file that lacks it reads the
        file again first: another process may have just added it (keys rotate)."""
        found = self.keys.get(key_id)
        if found is None and self.source is not None:
            fresh = _reload(self)
            found = fresh.keys.get(key_id) if fresh is not None else None
        if found is None:
            raise KeyRingError("ciphertext uses an unknown format or key")
        return found

    # -- values --------------------------------------------------------------------
    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self.keys[self.active_id]).encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        return _HEADER.pack(FORMAT_VERSION, self.active_id) + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str) -> str:
        if len(blob) < _HEADER.size + 12 + 16:
            raise KeyRingError("ciphertext too short")
        version, key_id = _HEADER.unpack_from(blob)
        if version != FORMAT_VERSION:
            raise KeyRingError("ciphertext uses an unknown format or key")
        nonce = blob[_HEADER.size : _HEADER.size + 12]
        try:
            plain = AESGCM(self.key(key_id)).decrypt(
                nonce, blob[_HEADER.size + 12 :], context.encode("utf-8")
            )
        except InvalidTag:
            raise KeyRingError("value does not decrypt in this row and column") from None
        return plain.decode("utf-8")

    def blind_index(self, value: str, *, purpose: str) -> str:
        normalised = normalise_for_index(value)
        digest = hmac.new(
            self.index_key, f"{purpose}\x00{normalised}".encode(), hashlib.sha256
        ).hexdigest()
        return digest[:32]

    def blind_indexes(self, value: str, *, purpose: str) -> list[str]:
        """What a search compares with: the index under the current key and, while
        `keys rotate --blind-index` rebuilds, under the previous one too."""
        found = [self.blind_index(value, purpose=purpose)]
        if self.previous_index_key is not None:
            found.append(replace(self, index_key=self.previous_index_key)
                         .blind_index(value, purpose=purpose))
        return found


def key_id_of(blob: bytes | None) -> int | None:
    """The id of the key a sealed value (or document blob) was sealed under."""
    if blob is None or len(blob) < _HEADER.size:
        return None
    return _HEADER.unpack_from(bytes(blob))[1]


class SealedBytes(TypeDecorator[bytes]):
    """A column holding a value sealed with the key ring (``KeyRing.encrypt``).

    ``context`` is the associated data it was sealed with, as a template over the
    row's columns (``"case_persons.full_name.{uid}"``): key rotation finds every
    column of this type in the metadata and seals each value again under the new key.
    The database sees plain binary (bytea / BLOB).
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context


def normalise_for_index(value: str) -> str:
    """Case-, accent- and spacing-insensitive form used for exact-name search."""
    if value.isascii():  # nothing to decompose (NFKD leaves ASCII as it is): the common case
        return " ".join(value.casefold().split())
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


class SealedText(TypeDecorator[str]):
    """Free text sealed with the key ring on its way into the database and opened on
    its way out, so code reads and writes plain ``str``: for text that often names
    people (a request's summary of facts, conduct descriptions, timeline comments).

    Unlike ``SealedBytes`` values, these are bound to their table and column only (a
    column type never sees its row): a ciphertext moved to another row of the same
    column still opens. They cannot be searched or sorted in SQL. A value that does
    not open reads as "" and is logged (the page shows the rest). Key rotation
    finds these columns too (``context`` is a fixed string)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return key_ring().encrypt(value, context=self.context)

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return key_ring().decrypt(bytes(value), context=self.context)
        except KeyRingError:
            log.error("A sealed %s value does not open with the key ring; shown empty.",
                      self.context)
            return ""


class SealedOptionalText(SealedText):
    """``SealedText`` for a column that is empty most of the time (an outbox row's last
    delivery error): "" is stored as NULL, nothing sealed, and NULL reads as "". Code
    reads and writes plain ``str``; SQL asks ``IS NOT NULL`` for "has a value" (a
    comparison with "" would bind NULL, and a sealed value never equals a literal)."""

    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> bytes | None:
        return super().process_bind_param(value or None, dialect)

    def process_result_value(self, value: bytes | None, dialect: Any) -> str:
        return super().process_result_value(value, dialect) or ""


class SealedJSON(SealedText):
    """A JSON value (lists and dicts of plain values) sealed whole, as ``SealedText``
    seals a string: for structured text a person typed (a composed request's sections).
    Code reads and writes the value; SQL cannot look inside it. A value that does not
    open reads as ``empty()`` (``[]`` by default), as a ``SealedText`` one reads as "".
    Key rotation finds these columns by type (they are ``SealedText``)."""

    cache_ok = True

    def __init__(self, context: str, *args: Any, empty: Any = list, **kwargs: Any) -> None:
        super().__init__(context, *args, **kwargs)
        self.empty = empty

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return super().process_bind_param(json.dumps(value, ensure_ascii=False), dialect)

    def process_result_value(self, value: bytes | None, dialect: Any) -> Any:
        opened = super().process_result_value(value, dialect)
        if opened is None:
            return None
        return json.loads(opened) if opened else self.empty()


EXTENSION_KEY = "mla.keyring"


# A ring read from a file is checked against the file at most this often.
RELOAD_CHECK_SECONDS = 1.0
_CHECKED_KEY = "mla.keyring.checked"  # (monotonic time, mtime_ns) of the last look


def key_ring() -> KeyRing:
    """The running app's key ring (loaded by create_app from MLA_KEY_FILE or MLA_KEY_RING).

    A ring from a file follows the file: when `keys rotate` has written a new ring, the
    next call after at most RELOAD_CHECK_SECONDS sees it, so new values are sealed under
    the new key and new blind indexes use the new index key without a restart."""
    # One look through the app proxy: sealing a column calls this once per value.
    extensions = current_app.extensions
    ring: KeyRing | None = extensions.get(EXTENSION_KEY)
    if ring is None:
        raise KeyRingError("the key ring has not been loaded (create_app loads it)")
    if ring.source is not None:
        checked = extensions.get(_CHECKED_KEY)
        if checked is None or time.monotonic() - checked[0] >= RELOAD_CHECK_SECONDS:
            ring = _reload(ring, only_if_changed=True) or ring
    return ring


def _reload(ring: KeyRing, *, only_if_changed: bool = False) -> KeyRing | None:
    """The ring as its file holds it now, installed in the running app; None when it is
    unchanged, unreadable or another instance's ring (instances are never swapped)."""
    path = ring.source
    if path is None:
        return None
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    if has_app_context():
        previous = current_app.extensions.get(_CHECKED_KEY)
        current_app.extensions[_CHECKED_KEY] = (time.monotonic(), mtime)
        if only_if_changed and previous is not None and previous[1] == mtime:
            return None
    try:
        fresh = replace(KeyRing.from_json(path.read_text(encoding="utf-8")), source=path)
    except (OSError, KeyRingError):
        log.warning("The key ring file %s could not be read again; the ring loaded "
                    "before stays in use.", path)
        return None
    if fresh.instance_id != ring.instance_id or fresh == ring:
        return None
    if has_app_context():
        current_app.extensions[EXTENSION_KEY] = fresh
    log.info("The key ring was read again from %s (active key %s).", path, fresh.active_id)
    return fresh
