"""The directory of authorities: counterparts abroad and domestic executing bodies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.db import UTCDateTime
from mla.extensions import Model

AUTHORITY_KINDS = ("central_authority", "prosecution", "court", "police", "ministry", "other")
CHANNELS = ("central_authority", "diplomatic", "direct", "interpol", "electronic", "post", "email")

_KIND_LIST = ", ".join(f"'{k}'" for k in AUTHORITY_KINDS)


class Authority(Model):
    __tablename__ = "authorities"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KIND_LIST})", name="kind_known"),
        Index("ix_authorities_country_kind", "country_code", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    kind: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    # ISO 639-1 codes, in order of preference.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    country = relationship("Country", lazy="joined")

    def __str__(self) -> str:
        return f"{self.name} ({self.country_code})"
