"""Demo offence catalogues for the training states (mla/data/dualcrim/demo)."""

from __future__ import annotations

from mla.auth.actors import Actor
from mla.dualcrim.catalogue import import_catalogue_text
from mla.dualcrim.rules import DATA_DIR
from mla.extensions import db
from mla.reference.models import Country
from mla.reference.services import ensure_fictional_country

DEMO_DIR = DATA_DIR / "demo"
DEMO_CATALOGUES = (("XZ", "Zembla"), ("XA", "Arcadia"), ("XB", "Borduria"), ("XC", "Carpania"))


def load_demo_catalogues(actor: Actor) -> int:
    """Import (or replace) each demo catalogue; returns the number of offences loaded."""
    total = 0
    for code, name in DEMO_CATALOGUES:
        if db.session.get(Country, code) is None:
            ensure_fictional_country(code, name)
        path = DEMO_DIR / f"{code}.csv"
        catalogue = import_catalogue_text(actor, code, path.read_text(encoding="utf-8"),
                                          source_name=f"demo/{path.name}")
        total += catalogue.offence_count
    return total
