"""The demo's fictional states, bound by what the demo shows (all fictional)."""

from __future__ import annotations

from mla.auth.actors import Actor
from mla.treaties.models import Treaty
from mla.treaties.services import TreatyInput, save_treaty, set_ratification, set_reservation

DEMO_SOURCE = "Demo data: fictional state"

# Who is party to what. The home state and Borduria are both parties to the ECE
# Third Additional Protocol (the art. 6 clock runs on Borduria's arrest request);
# Arcadia is not (it does not); Carpania is bound only by the UN conventions.
DEMO_RATIFICATIONS: dict[str, tuple[str, ...]] = {
    "home": ("ECE", "ECE_AP2", "ECE_AP3", "ECMA", "UNTOC", "UNCAC"),
    "XA": ("ECE", "ECE_AP2", "ECMA", "UNTOC", "UNCAC"),
    "XB": ("ECE", "ECE_AP3", "ECMA", "UNTOC"),
    "XC": ("UNTOC", "UNCAC"),
}
# ECMA art. 5(1)(a): the home state executes letters rogatory for search or seizure
# only for offences punishable in both states.
DEMO_RESERVATIONS: dict[str, tuple[str, ...]] = {"home": ("ecma_art5_1_a",)}


def seed_demo_treaties(actor: Actor, home: str) -> Treaty:
    """Ratifications and reservations of the demo states, and one bilateral treaty
    (home-Arcadia) with its own periods; returns the treaty."""
    for state, instruments in DEMO_RATIFICATIONS.items():
        code = home if state == "home" else state
        for instrument in instruments:
            set_ratification(actor, code, instrument, source=DEMO_SOURCE)
    for state, reservations in DEMO_RESERVATIONS.items():
        code = home if state == "home" else state
        for reservation in reservations:
            set_reservation(actor, code, reservation, source=DEMO_SOURCE,
                            text="Letters rogatory for search or seizure are executed only "
                                 "if the offence is punishable under both laws.")
    return save_treaty(actor, TreatyInput(
        name="Extradition Treaty between Zembla and Arcadia (demo)", party_a=home,
        party_b="XA", kind="extradition", citation="Fictional treaty, arts. 9 (provisional "
        "arrest: 45 days), 2 (extraditable offences: 12 months), 11 (further information: "
        "30 days)", provisional_arrest_days=45, dc_threshold_months=12,
        supplementary_info_days=30))
