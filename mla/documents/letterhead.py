"""The authority's letterhead (name, address, logo, signatory), set by an admin and
printed on every generated request and letter."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from mla.audit.services import record_audit
from mla.auth.models import User
from mla.core.clock import now
from mla.core.crypto import KeyRingError, key_ring
from mla.core.errors import ServiceError
from mla.documents.models import Letterhead
from mla.documents.storage import open_bytes, seal_bytes
from mla.extensions import db

# A logo is printed 18 mm high: 1 MB of PNG or JPEG is plenty.
MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 4000
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
_LOGO_CONTEXT = "documents.letterhead.logo"


@dataclass(frozen=True)
class LetterheadInput:
    authority_name: str
    address: str
    signatory_name: str
    signatory_title: str
    logo: bytes | None = None      # a new logo; None keeps the one there is
    remove_logo: bool = False


def current_letterhead() -> Letterhead:
    """The letterhead row (an unsaved empty one before an admin set it)."""
    return db.session.get(Letterhead, 1) or Letterhead(
        id=1, authority_name="", address="", signatory_name="", signatory_title="",
        logo_content_type="", logo_sha256="")


def check_logo(data: bytes) -> str:
    """The logo's content type, or ServiceError on the ``logo`` field: PNG or JPEG as its
    content says (never the file name), at most 1 MB and 4000 pixels a side."""
    def refuse(message: str) -> ServiceError:
        return ServiceError(message, code="invalid", details={"field": "logo"})

    if not data:
        raise refuse(_("The logo file is empty."))
    if len(data) > MAX_LOGO_BYTES:
        raise refuse(_("The logo is larger than %(kb)d KB.", kb=MAX_LOGO_BYTES // 1024))
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise refuse(_("The logo must be a PNG or JPEG image.")) from None
    if kind not in LOGO_TYPES:
        raise refuse(_("The logo must be a PNG or JPEG image."))
    if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
        raise refuse(_("The logo may be at most %(px)d pixels wide and high.",
                       px=MAX_LOGO_PIXELS))
    return LOGO_TYPES[kind]


def logo_bytes(letterhead: Letterhead) -> bytes | None:
    if not letterhead.logo_sealed:
        return None
    try:
        return open_bytes(key_ring(), letterhead.logo_sealed, context=_LOGO_CONTEXT)
    except KeyRingError:
        return None  # a logo that does not open is left off rather than stopping a letter


def set_letterhead(actor: User, data: LetterheadInput) -> Letterhead:
    name = data.authority_name.strip()
    if not name:
        raise ServiceError(_("Give the authority's name."), code="invalid",
                           details={"field": "authority_name"})
    content_type = check_logo(data.logo) if data.logo is not None else None
    letterhead = db.session.get(Letterhead, 1)
    if letterhead is None:
        letterhead = current_letterhead()
        db.session.add(letterhead)
    letterhead.authority_name = name[:200]
    letterhead.address = data.address.strip()[:2000]
    letterhead.signatory_name = data.signatory_name.strip()[:200]
    letterhead.signatory_title = data.signatory_title.strip()[:200]
    if data.logo is not None and content_type is not None:
        letterhead.logo_sealed = seal_bytes(key_ring(), data.logo, context=_LOGO_CONTEXT)
        letterhead.logo_content_type = content_type
        letterhead.logo_sha256 = hashlib.sha256(data.logo).hexdigest()
    elif data.remove_logo:
        letterhead.logo_sealed = None
        letterhead.logo_content_type = ""
        letterhead.logo_sha256 = ""
    letterhead.updated_at = now()
    letterhead.updated_by_id = actor.id
    db.session.flush()
    record_audit(actor, "settings.letterhead", object_type="letterhead", object_id="1",
                 has_logo=letterhead.has_logo, logo_sha256=letterhead.logo_sha256)
    return letterhead
