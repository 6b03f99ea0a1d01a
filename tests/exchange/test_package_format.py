"""The package format on its own (no application): a JWS signed by the sender inside a
JWE for the recipient, and every way a package is refused."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from joserfc import jwe, jws
from joserfc.jwk import OKPKey

from mla.core.clock import real_now
from mla.exchange.identity import (
    IdentityError,
    counterpart_from_document,
    new_identity,
    public_identity_document,
    rotated,
)
from mla.exchange.package import (
    OpenedPackage,
    PackageDocument,
    PackageRefused,
    open_package,
    seal,
)

CANARY = "Zoltan Canarybird-Quetzal"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40


@pytest.fixture(scope="module")
def parties():
    sender = new_identity(country="XA", name="Ministry of Justice",
                          address="https://xa.example/exchange/v1/inbox")
    recipient = new_identity(country="XB", name="Procuraduría General")
    stranger = new_identity(country="XC", name="Someone Else")
    return sender, recipient, stranger


def _body() -> dict:
    return {"reference": "MLA-OUT-2026-00001", "title": "Bank records",
            "persons": [{"role": "suspect", "full_name": CANARY}]}


def _sealed(parties, **kwargs) -> bytes:
    sender, recipient, _ = parties
    options = {"sender": sender, "recipient": recipient.as_counterpart}
    options.update(kwargs)
    return seal("request", _body(), [PackageDocument("request.pdf", "application/pdf", PDF,
                                                     "request", "en")], **options)


def _open(parties, data: bytes, *, seen=(), trusted=True, local=None) -> OpenedPackage:
    sender, recipient, _ = parties
    known = {sender.authority_id: sender.as_counterpart} if trusted else {}
    return open_package(data, local=local or recipient, counterparts=known.get,
                        already_seen=lambda message_id: message_id in seen)


def _refusal(parties, data: bytes, **kwargs) -> PackageRefused:
    with pytest.raises(PackageRefused) as caught:
        _open(parties, data, **kwargs)
    assert caught.value.reason  # a sentence for a person
    return caught.value


def _segments(data: bytes) -> list[str]:
    return data.decode("ascii").split(".")


def _header(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_a_package_opens_with_its_data_documents_and_claims(parties):
    sender, recipient, _ = parties
    data = _sealed(parties, message_id="urn:uuid:1")
    opened = _open(parties, data)
    assert (opened.kind, opened.message_id, opened.sender, opened.recipient) == (
        "request", "urn:uuid:1", sender.authority_id, recipient.authority_id)
    assert opened.body == _body()
    assert [(d.name, d.media_type, d.kind, d.language, d.content) for d in opened.documents] \
        == [("request.pdf", "application/pdf", "request", "en", PDF)]
    assert abs(opened.issued_at - real_now()) < timedelta(minutes=1)


def test_the_envelope_is_a_standard_nested_jwt(parties):
    """Compact JWE (5 parts) whose protected header names the algorithms, the recipient's
    key and the routing claims; inside, a compact JWS by the sender's key."""
    sender, recipient, _ = parties
    data = _sealed(parties)
    parts = _segments(data)
    assert len(parts) == 5
    header = _header(parts[0])
    assert header["alg"] == "ECDH-ES+A256KW" and header["enc"] == "A256GCM"
    assert header["cty"] == "JWT" and header["kid"] == recipient.encryption_kid
    assert (header["iss"], header["aud"]) == (sender.authority_id, recipient.authority_id)
    assert {"jti", "iat", "exp"} <= header.keys() and "zip" not in header
    # As a counterpart without Comity reads it (docs/exchange.md): any JOSE library, told
    # to accept the JWT claims replicated as header parameters (RFC 7519 section 5.3).
    inner = jwe.decrypt_compact(data, recipient.encryption_key,
                                registry=jwe.JWERegistry(strict_check_header=False)).plaintext
    signed = jws.deserialize_compact(inner, sender.signing_key, registry=jws.JWSRegistry(
        algorithms=["Ed25519"], strict_check_header=False))
    assert signed.protected["kid"] == sender.signing_kid
    assert json.loads(signed.payload)["body"] == _body()


def test_no_personal_data_can_be_read_in_the_package(parties):
    data = _sealed(parties)
    canary = CANARY.encode()
    forms = {canary, canary.lower()}
    for shift in range(3):  # base64 of the name at each alignment, both alphabets
        chunk = base64.b64encode(b"x" * shift + canary)[4 if shift else 0:-4]
        forms |= {chunk, chunk.replace(b"+", b"-").replace(b"/", b"_")}
    assert not any(form in data for form in forms)
    # The test would see it where it was not encrypted (the inner JWS).
    inner = jwe.decrypt_compact(data, parties[1].encryption_key,
                                registry=jwe.JWERegistry(strict_check_header=False)).plaintext
    assert any(form in inner for form in forms - {canary, canary.lower()})


def test_a_changed_byte_is_refused_as_tampered(parties):
    data = bytearray(_sealed(parties))
    ciphertext_at = data.index(b".", len(_segments(bytes(data))[0]) + 60) + 1
    for offset in (ciphertext_at + 10, len(data) - 3):
        changed = bytearray(data)
        changed[offset] = ord("A") if changed[offset] != ord("A") else ord("B")
        assert _refusal(parties, bytes(changed)).code == "tampered"


def test_a_changed_envelope_claim_is_refused(parties):
    """The outer header is authenticated (AES-GCM's additional data) and must repeat the
    signed claims."""
    data = _sealed(parties)
    parts = _segments(data)
    header = _header(parts[0])
    header["exp"] += 3600
    parts[0] = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    assert _refusal(parties, ".".join(parts).encode()).code == "tampered"


def test_a_replayed_message_id_is_refused(parties):
    data = _sealed(parties, message_id="urn:uuid:replayed")
    refused = _refusal(parties, data, seen={"urn:uuid:replayed"})
    assert (refused.code, refused.message_id) == ("replayed", "urn:uuid:replayed")


def test_an_expired_package_is_refused(parties):
    data = _sealed(parties, now=real_now() - timedelta(days=8))
    assert _refusal(parties, data).code == "expired"
    fresh = _sealed(parties, valid_for=timedelta(days=30), now=real_now() - timedelta(days=8))
    assert _open(parties, fresh).kind == "request"


def test_a_package_for_another_authority_or_key_is_refused(parties):
    _, recipient, stranger = parties
    for_stranger = _sealed(parties, recipient=stranger.as_counterpart)
    assert _refusal(parties, for_stranger).code == "wrong_recipient"
    # Addressed to the recipient's id, but encrypted for a key it does not hold.
    impostor = counterpart_from_document(
        dict(public_identity_document(recipient),
             keys=[k for k in public_identity_document(recipient)["keys"] if k["use"] == "sig"]
             + [k for k in public_identity_document(stranger)["keys"] if k["use"] == "enc"],
             fingerprints={}))
    assert _refusal(parties, _sealed(parties, recipient=impostor)).code == "wrong_recipient"


def test_an_unknown_sender_is_refused(parties):
    refused = _refusal(parties, _sealed(parties), trusted=False)
    assert (refused.code, refused.sender) == ("unknown_sender", parties[0].authority_id)


def test_a_package_signed_with_a_key_not_registered_for_its_sender_is_refused(parties):
    forged = _sealed(parties, sender=rotated(parties[0]))  # its id, keys never registered
    assert _refusal(parties, forged).code == "tampered"


def _encrypted(parties, inner: bytes, sender_id: str) -> bytes:
    _, recipient, _ = parties
    now = int(real_now().timestamp())
    claims = {"iss": sender_id, "aud": recipient.authority_id, "jti": "urn:uuid:unsigned",
              "iat": now, "exp": now + 3600}
    return jwe.encrypt_compact(
        dict(claims, alg="ECDH-ES+A256KW", enc="A256GCM", cty="JWT",
             kid=recipient.encryption_kid),
        inner, recipient.encryption_key,
        registry=jwe.JWERegistry(strict_check_header=False)).encode()


def test_an_unsigned_package_is_refused(parties):
    sender, recipient, _ = parties
    now = int(real_now().timestamp())
    claims = {"iss": sender.authority_id, "aud": recipient.authority_id,
              "jti": "urn:uuid:unsigned", "iat": now, "exp": now + 3600}

    def b64(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    payload = dict(claims, kind="request", body={}, documents=[])
    alg_none = f"{b64(dict(claims, alg='none'))}.{b64(payload)}.".encode()
    assert _refusal(parties, _encrypted(parties, alg_none, sender.authority_id)).code \
        == "unsigned"
    plain_json = json.dumps(payload).encode()
    assert _refusal(parties, _encrypted(parties, plain_json, sender.authority_id)).code \
        == "unsigned"
    # A signed package that was never encrypted is no package either.
    signed_only = jws.serialize_compact({"alg": "Ed25519"}, b"{}", sender.signing_key,
                                        algorithms=["Ed25519"]).encode()
    assert _refusal(parties, signed_only).code == "unsigned"


@pytest.mark.parametrize("data", [b"", b"not a package", b"a.b.c.d.e", "é".encode(),
                                  b"." * 4, b"eyJ9.a.b.c.d"])
def test_garbage_is_refused_as_malformed_or_unsigned(parties, data):
    assert _refusal(parties, data).code in {"malformed", "unsigned"}


def test_rotation_keeps_older_packages_readable_and_verifiable(parties):
    sender, recipient, _ = parties
    before = _sealed(parties)  # signed with the sender's old key, for the recipient's old key
    new_sender, new_recipient = rotated(sender), rotated(recipient)
    counterpart = counterpart_from_document(public_identity_document(new_sender))
    assert counterpart.signing_fingerprint == new_sender.signing_kid
    assert counterpart.verification_key(sender.signing_kid) is not None  # retired, listed
    opened = open_package(before, local=new_recipient,
                          counterparts={sender.authority_id: counterpart}.get,
                          already_seen=lambda _id: False)
    assert opened.body == _body()
    after = seal("status", {"status": "executed"}, [], sender=new_sender,
                 recipient=new_recipient.as_counterpart)
    assert open_package(after, local=new_recipient,
                        counterparts={sender.authority_id: counterpart}.get,
                        already_seen=lambda _id: False).kind == "status"


def test_an_identity_document_is_checked_before_it_is_trusted(parties):
    document = public_identity_document(parties[0])
    assert not any("d" in key for key in document["keys"] + document["retired_keys"])
    with pytest.raises(IdentityError):
        counterpart_from_document(dict(document, fingerprints={"signing": "x",
                                                                "encryption": "y"}))
    with pytest.raises(IdentityError):
        counterpart_from_document(dict(document, authority_id="XB:not-its-country"))
    with pytest.raises(IdentityError):
        private = dict(parties[0].signing_key.as_dict(private=True), use="sig")
        counterpart_from_document(dict(document, keys=[private, document["keys"][1]]))
    with pytest.raises(IdentityError):
        counterpart_from_document({"format": "something else"})
    wrong_curve = OKPKey.generate_key("X25519").as_dict(private=False)
    with pytest.raises(IdentityError):
        counterpart_from_document(dict(document, fingerprints={}, keys=[
            dict(wrong_curve, use="sig"), document["keys"][1]]))
