"""The package two central authorities exchange: a nested JWT (RFC 7519 section 5.2).

Inside, a JWS (RFC 7515, compact) signed by the sender with Ed25519 (RFC 8037/9864):
its payload is a JSON claims set with ``iss`` (sender authority id), ``aud``
(recipient), ``jti`` (message id), ``iat``/``exp``, ``kind`` (request, receipt,
status), ``body`` (the data) and ``documents`` (each with its content in base64 and
its SHA-256). Outside, a JWE (RFC 7516, compact) encrypted to the recipient's X25519
key with ECDH-ES+A256KW and A256GCM (not compressed: documents are mostly compressed
already, and decompression is where size limits get bypassed). Both protected headers
carry ``kid`` (the RFC 7638 thumbprint of the key used) and the same ``iss``, ``aud``,
``jti``, ``iat`` and ``exp``
(RFC 7519 section 5.3): the recipient finds its key and refuses a misaddressed package
before decrypting, and checks the outer copy against the signed one after.

The library is joserfc (Authlib's JOSE implementation): typed, maintained, built on
``cryptography``, and it refuses ``alg: none`` and algorithms not allowed by name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

from mla.core.clock import real_now
from mla.exchange.identity import (
    CONTENT_ENC,
    ENCRYPTION_ALG,
    SIGNING_ALG,
    CounterpartKeys,
    LocalIdentity,
)

KINDS = ("request", "receipt", "status")
PACKAGE_TYPE = "JWT"  # the inner JWS is a JWT; the outer JWE says so with cty
# Documents up to the application's upload limit (25 MB) in all; three base64 layers
# (JSON, JWS, JWE) make a package about 64/27 of that. Larger input is refused before
# any parsing.
MAX_DOCUMENTS_BYTES = 25 * 1024 * 1024
MAX_PACKAGE_BYTES = 3 * MAX_DOCUMENTS_BYTES
# A package issued this far in the future (clock skew) is still accepted.
CLOCK_SKEW = timedelta(minutes=5)

REFUSAL_CODES = ("tampered", "replayed", "expired", "wrong_recipient", "unsigned",
                 "unknown_sender", "malformed")

_CLAIM_HEADERS = {
    "iss": HeaderParameter("Sender authority id", "str", required=True),
    "aud": HeaderParameter("Recipient authority id", "str", required=True),
    "jti": HeaderParameter("Message id", "str", required=True),
    "iat": HeaderParameter("Issued at", "int", required=True),
    "exp": HeaderParameter("Expires at", "int", required=True),
}
_JWS = JWSRegistry(header_registry=dict(_CLAIM_HEADERS), algorithms=[SIGNING_ALG])
_JWS.max_payload_length = MAX_PACKAGE_BYTES  # joserfc's defaults suit tokens, not files
_JWE = JWERegistry(header_registry=dict(_CLAIM_HEADERS), algorithms=[ENCRYPTION_ALG, CONTENT_ENC])
_JWE.max_ciphertext_length = MAX_PACKAGE_BYTES

# Why a package was refused, for a person (the code is for programs and the audit).
_REASONS = {
    "tampered": _l("The package was changed after it was sealed, or was not sealed with "
                   "the sender's registered key: its signature or encryption does not check."),
    "replayed": _l("This package was already received (its message id is known): a copy "
                   "is not registered twice."),
    "expired": _l("The package has expired: ask the sender to send it again."),
    "wrong_recipient": _l("The package is not addressed to this authority, or is encrypted "
                          "for a key this authority does not hold."),
    "unsigned": _l("The package carries no valid signature: an unsigned package is never "
                   "accepted."),
    "unknown_sender": _l("The sender is not a trusted counterpart in the directory: register "
                         "its identity (exchange trust) after checking its fingerprint."),
    "malformed": _l("This is not an exchange package Comity can read."),
}


# What the request page calls a refusal of ours by its code (the counterpart's own words
# follow it). "address_refused" is our transport's, not the counterpart's; any other code
# (a counterpart's own, an HTTP status) reads as a plain refusal.
_REFUSAL_LABELS = {
    "tampered": _l("its signature or encryption did not check"),
    "replayed": _l("already received"),
    "expired": _l("expired"),
    "wrong_recipient": _l("not addressed to it"),
    "unsigned": _l("not signed"),
    "unknown_sender": _l("we are not a trusted counterpart there"),
    "malformed": _l("not a package it can read"),
    "address_refused": _l("its exchange address is refused here"),
}


def refusal_label(code: str) -> str:
    """Why the counterpart refused our package, in words ("" for a code we do not know)."""
    label = _REFUSAL_LABELS.get(code)
    return str(label) if label is not None else ""


class PackageRefused(Exception):
    """A package that is not registered; ``code`` is one of REFUSAL_CODES."""

    def __init__(self, code: str, reason: str | None = None) -> None:
        if code not in REFUSAL_CODES:
            raise ValueError(code)
        self.code = code
        self.reason = reason or str(_REASONS[code])
        # What the envelope said, when it could be read (unverified: for the audit only).
        self.sender = ""
        self.message_id = ""
        super().__init__(f"{code}: {self.reason}")


@dataclass(frozen=True)
class PackageDocument:
    name: str
    media_type: str
    content: bytes = field(repr=False)
    kind: str
    language: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class OpenedPackage:
    kind: str
    message_id: str
    sender: str
    recipient: str
    issued_at: datetime
    body: dict[str, Any]
    documents: list[PackageDocument]
    expires_at: datetime | None = None
    sender_kid: str = ""


def new_message_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _timestamp(at: datetime) -> int:
    return int(at.timestamp())


def seal(kind: str, body: dict[str, Any], documents: Sequence[PackageDocument], *,
         sender: LocalIdentity, recipient: CounterpartKeys, message_id: str | None = None,
         valid_for: timedelta = timedelta(days=7), now: datetime | None = None) -> bytes:
    """Sign ``body`` and ``documents`` as ``sender`` and encrypt them for ``recipient``."""
    if kind not in KINDS:
        raise ValueError(f"unknown package kind {kind!r}")
    if sum(len(d.content) for d in documents) > MAX_DOCUMENTS_BYTES:
        raise ValueError("the documents exceed the exchange's size limit")
    issued = now or real_now()
    claims = {
        "iss": sender.authority_id,
        "aud": recipient.authority_id,
        "jti": message_id or new_message_id(),
        "iat": _timestamp(issued),
        "exp": _timestamp(issued + valid_for),
    }
    payload = dict(claims, kind=kind, body=body, documents=[
        {"name": d.name, "media_type": d.media_type, "kind": d.kind, "language": d.language,
         "sha256": d.sha256, "content": base64.b64encode(d.content).decode("ascii")}
        for d in documents])
    signed = jws.serialize_compact(
        dict(claims, alg=SIGNING_ALG, kid=sender.signing_kid, typ=PACKAGE_TYPE),
        json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
        sender.signing_key, registry=_JWS)
    sealed = jwe.encrypt_compact(
        dict(claims, alg=ENCRYPTION_ALG, enc=CONTENT_ENC, cty=PACKAGE_TYPE,
             kid=recipient.encryption_fingerprint),
        signed, recipient.encryption_key, registry=_JWE)
    return sealed.encode("ascii")


def _header(segment: str) -> dict[str, Any]:
    try:
        padded = segment + "=" * (-len(segment) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise PackageRefused("malformed") from None
    if not isinstance(header, dict):
        raise PackageRefused("malformed")
    return header


def _claims_of(header: dict[str, Any]) -> dict[str, Any]:
    claims = {k: header.get(k) for k in _CLAIM_HEADERS}
    if not all(isinstance(claims[k], str) and claims[k] for k in ("iss", "aud", "jti")) \
            or not all(type(claims[k]) is int for k in ("iat", "exp")):
        raise PackageRefused("malformed")
    return claims


def open_package(data: bytes, *, local: LocalIdentity,
                 counterparts: Callable[[str], CounterpartKeys | None],
                 already_seen: Callable[[str], bool],
                 now: datetime | None = None) -> OpenedPackage:
    """Decrypt, verify and read a package, or raise PackageRefused saying why.

    Checked in this order: readable, addressed to us and to a key we hold, decrypts,
    signed (a JWS with the allowed algorithm), by a trusted counterpart's key, its
    signed claims agree with the envelope, not expired, not seen before.
    """
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageRefused("malformed")
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise PackageRefused("malformed") from None
    parts = text.split(".")
    if len(parts) != 5:  # a bare JWS (3 parts) was never encrypted for us
        raise PackageRefused("unsigned" if len(parts) == 3 else "malformed")
    outer = _header(parts[0])
    envelope = _claims_of(outer)
    try:
        return _open(text, outer, envelope, local=local, counterparts=counterparts,
                     already_seen=already_seen, at=now or real_now())
    except PackageRefused as refused:
        refused.sender, refused.message_id = envelope["iss"][:80], envelope["jti"][:100]
        raise


def _open(text: str, outer: dict[str, Any], envelope: dict[str, Any], *,
          local: LocalIdentity, counterparts: Callable[[str], CounterpartKeys | None],
          already_seen: Callable[[str], bool], at: datetime) -> OpenedPackage:
    if outer.get("alg") != ENCRYPTION_ALG or outer.get("enc") != CONTENT_ENC:
        raise PackageRefused("malformed")
    if envelope["aud"] != local.authority_id:
        raise PackageRefused("wrong_recipient")
    key = local.decryption_key(str(outer.get("kid", "")))
    if key is None:
        raise PackageRefused("wrong_recipient")
    try:
        inner = jwe.decrypt_compact(text, key, registry=_JWE).plaintext
    except JoseError:
        raise PackageRefused("tampered") from None
    if inner is None:
        raise PackageRefused("tampered")
    signed_parts = inner.split(b".")
    if len(signed_parts) != 3:
        raise PackageRefused("unsigned")
    try:
        signed_header = _header(signed_parts[0].decode("ascii"))
    except UnicodeDecodeError:
        raise PackageRefused("unsigned") from None
    if signed_header.get("alg") != SIGNING_ALG or not signed_parts[2]:
        raise PackageRefused("unsigned")
    claims = _claims_of(signed_header)
    sender = counterparts(claims["iss"])
    if sender is None:
        raise PackageRefused("unknown_sender")
    verifying = sender.verification_key(str(signed_header.get("kid", "")))
    if verifying is None:
        raise PackageRefused("tampered")
    try:
        payload_bytes = jws.deserialize_compact(inner, verifying, registry=_JWS).payload
        payload = json.loads(payload_bytes)
    except (JoseError, ValueError):
        raise PackageRefused("tampered") from None
    if not isinstance(payload, dict) or any(payload.get(k) != v for k, v in claims.items()) \
            or claims != envelope:
        raise PackageRefused("tampered")
    if claims["aud"] != local.authority_id:
        raise PackageRefused("wrong_recipient")
    issued = datetime.fromtimestamp(claims["iat"], UTC)
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    if expires <= at or issued > at + CLOCK_SKEW:
        raise PackageRefused("expired")
    if already_seen(claims["jti"]):
        raise PackageRefused("replayed")
    return OpenedPackage(
        kind=_kind(payload), message_id=claims["jti"], sender=claims["iss"],
        recipient=claims["aud"], issued_at=issued, expires_at=expires,
        body=_body(payload), documents=_documents(payload),
        sender_kid=str(signed_header.get("kid", "")))


def _kind(payload: dict[str, Any]) -> str:
    kind = payload.get("kind")
    if kind not in KINDS:
        raise PackageRefused("malformed")
    return str(kind)


def _body(payload: dict[str, Any]) -> dict[str, Any]:
    body = payload.get("body")
    if not isinstance(body, dict):
        raise PackageRefused("malformed")
    return body


def _documents(payload: dict[str, Any]) -> list[PackageDocument]:
    items = payload.get("documents", [])
    if not isinstance(items, list):
        raise PackageRefused("malformed")
    documents = []
    for item in items:
        try:
            document = PackageDocument(
                name=str(item["name"]), media_type=str(item["media_type"]),
                content=base64.b64decode(item["content"], validate=True),
                kind=str(item["kind"]), language=str(item["language"]))
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise PackageRefused("malformed") from None
        if document.sha256 != item.get("sha256"):
            raise PackageRefused("tampered")
        documents.append(document)
    return documents
