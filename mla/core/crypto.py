"""Personal data encrypted at rest: AES-256-GCM under a key ring kept outside the database.

Each value is bound to its table, column and row (the associated data), so a
ciphertext copied into another row or column does not decrypt. Exact-match
search uses a keyed blind index (HMAC-SHA256 over the normalised value) under a
separate key, so the database alone reveals neither names nor their equality
across deployments.

Ciphertext layout: version byte (1) | key id (4 bytes, big-endian) | nonce (12) | ct+tag.
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
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

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
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"the key ring is malformed: {exc.__class__.__name__}") from None
        if ring.active_id not in ring.keys or any(len(k) != 32 for k in keys.values()):
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
            return cls.from_json(path.read_text(encoding="utf-8"))
        ring = cls.generate(mode)
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

    def rotated(self) -> KeyRing:
        """A ring with a new active key; old keys stay to read existing values."""
        new_id = max(self.keys) + 1
        keys = dict(self.keys)
        keys[new_id] = AESGCM.generate_key(bit_length=256)
        return KeyRing(keys, new_id, self.index_key, self.instance_id, self.mode)

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
        if version != FORMAT_VERSION or key_id not in self.keys:
            raise KeyRingError("ciphertext uses an unknown format or key")
        nonce = blob[_HEADER.size : _HEADER.size + 12]
        try:
            plain = AESGCM(self.keys[key_id]).decrypt(
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


def normalise_for_index(value: str) -> str:
    """Case-, accent- and spacing-insensitive form used for exact-name search."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


EXTENSION_KEY = "mla.keyring"


def key_ring() -> KeyRing:
    """The running app's key ring (loaded by create_app from MLA_KEY_FILE)."""
    ring = current_app.extensions.get(EXTENSION_KEY)
    if ring is None:
        raise KeyRingError("the key ring has not been loaded (create_app loads it)")
    return ring
