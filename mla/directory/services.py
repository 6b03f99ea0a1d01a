from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from mla.audit.services import record_audit
from mla.core.actors import Person, SystemActor
from mla.core.errors import ServiceError
from mla.directory.models import AUTHORITY_KINDS, CHANNELS, Authority
from mla.extensions import db
from mla.reference.services import known_country


@dataclass
class AuthorityInput:
    name: str
    country_code: str
    kind: str
    address: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    languages: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    notes: str = ""
    is_active: bool = True


def _check(data: AuthorityInput) -> None:
    if not data.name.strip():
        raise ServiceError(_("A name is required."), details={"field": "name"})
    if known_country(data.country_code) is None:
        raise ServiceError(_("Unknown country."), details={"field": "country_code"})
    if data.kind not in AUTHORITY_KINDS:
        raise ServiceError(_("Unknown kind of authority."), details={"field": "kind"})
    if any(c not in CHANNELS for c in data.channels):
        raise ServiceError(_("Unknown channel."), details={"field": "channels"})


def save_authority(actor: Person | SystemActor, data: AuthorityInput,
                   authority: Authority | None = None) -> Authority:
    _check(data)
    is_new = authority is None
    authority = authority or Authority()
    for name, value in vars(data).items():
        setattr(authority, name, value.strip() if isinstance(value, str) else value)
    db.session.add(authority)
    db.session.flush()
    record_audit(actor, "authority.create" if is_new else "authority.update", authority)
    return authority
