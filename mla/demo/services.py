"""A small demo data set: authorities, one account per role, a few requests.

Demo passwords are generated on first load and kept in instance/demo-logins.txt
(mode 0600), never hard-coded, so a demo instance left running is not an open door.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from mla.auth.models import User
from mla.auth.services import create_user
from mla.cases.constants import LIFE_MONTHS
from mla.cases.models import Case
from mla.cases.services import CaseInput, OffenceInput, PersonInput, register_case
from mla.core.actors import SystemActor
from mla.core.clock import as_of, now
from mla.directory.services import AuthorityInput, save_authority
from mla.dualcrim.demo import load_demo_catalogues
from mla.extensions import db
from mla.reference.services import ensure_fictional_country
from mla.settings import current_settings
from mla.treaties.demo import seed_demo_treaties
from mla.workflow.services import apply_transition

DEMO_USERS = (
    ("admin", "admin", "Ada Admin"),
    ("supervisor", "supervisor", "Sam Supervisor"),
    ("caseworker", "caseworker", "Casey Caseworker"),
    ("prosecutor", "prosecutor", "Priya Prosecutor"),
    ("trainee", "trainee", "Tariq Trainee"),
    ("auditor", "auditor", "Aud Auditor"),
)
DEMO = SystemActor("demo")
# Fictional counterparts (ISO user-assigned codes) so demo data is never mistaken for real.
DEMO_STATES = (("XA", "Arcadia"), ("XB", "Borduria"), ("XC", "Carpania"))


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str


def logins_file() -> Path:
    return current_settings().instance_path / "demo-logins.txt"


def read_demo_logins() -> list[DemoLogin]:
    path = logins_file()
    if not path.is_file():
        return []
    logins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        username, role, password = line.split("\t")
        logins.append(DemoLogin(username, role, password))
    return logins


def _write_demo_logins(logins: list[DemoLogin]) -> None:
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        for login in logins:
            handle.write(f"{login.username}\t{login.role}\t{login.password}\n")


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(User)))


def load_demo(actor: SystemActor = DEMO) -> list[DemoLogin]:
    home = current_settings().home_country
    for code, name in DEMO_STATES:
        ensure_fictional_country(code, name)
    if home.startswith("X"):
        ensure_fictional_country(home, "Zembla (home state, demo)")
    seed_demo_treaties(actor, home)

    authorities = {
        "ca_home": save_authority(actor, AuthorityInput(
            name="Central Authority, Ministry of Justice", country_code=home,
            kind="central_authority", email="central.authority@justice.example",
            languages=["en"], channels=["central_authority", "electronic"])),
        "pp_capital": save_authority(actor, AuthorityInput(
            name="Public Prosecutor's Office, Capital District", country_code=home,
            kind="prosecution", email="pp.capital@prosecution.example", languages=["en"],
            channels=["central_authority"])),
        "fiu_police": save_authority(actor, AuthorityInput(
            name="Financial Crimes Unit, National Police", country_code=home, kind="police",
            email="fcu@police.example", languages=["en"], channels=["direct"])),
    }
    for code, name in DEMO_STATES:
        authorities[code] = save_authority(actor, AuthorityInput(
            name=f"Central Authority of {name}", country_code=code, kind="central_authority",
            email=f"mla@justice.{code.lower()}.example",
            languages={"XA": ["fr", "en"], "XB": ["es"], "XC": ["en"]}[code],
            channels=["central_authority", "electronic", "diplomatic"]))

    logins = []
    for username, role, display_name in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        create_user(actor, username=username, password=password, role=role,
                    display_name=display_name,
                    authority_id=authorities["pp_capital"].id if role == "prosecutor" else None)
        logins.append(DemoLogin(username, role, password))
    caseworker = db.session.scalars(select(User).where(User.username == "caseworker")).one()
    supervisor = db.session.scalars(select(User).where(User.username == "supervisor")).one()
    prosecutor = db.session.scalars(select(User).where(User.username == "prosecutor")).one()
    today = now()

    def days_ago(days: int, hour: int = 10) -> datetime:
        """A working hour ``days`` ago: each step is recorded on its day (clock.as_of)."""
        return (today - timedelta(days=days)).replace(hour=hour, minute=0, second=0,
                                                      microsecond=0)

    _register_stories(caseworker, supervisor, prosecutor, authorities, days_ago)
    load_demo_catalogues(actor)
    _write_demo_logins(logins)
    return logins


def _register_stories(caseworker: User, supervisor: User, prosecutor: User,
                      authorities: dict, days_ago: Callable[..., datetime]) -> None:
    """A working day: a request under execution, a custody limit two days ahead, a draft
    to review, an outgoing request waiting on its counterpart for months."""
    with as_of(days_ago(12)):
        _bank_records(caseworker, authorities)
    with as_of(days_ago(16, 9)):
        arrest = _provisional_arrest(caseworker, authorities)
    # Sixteen days into the ECE art. 16(4) custody clock: the 18-day limit is two days off.
    with as_of(days_ago(16, 15)):
        apply_transition(caseworker, arrest, "record_arrest", expected_version=arrest.version,
                         values={"arrested_on": days_ago(16).date().isoformat()},
                         comment="Arrested on an INTERPOL red notice.")
    # Within the 3rd Additional Protocol's 10 days (art. 6(1)): the person does not consent.
    with as_of(days_ago(9, 11)):
        apply_transition(caseworker, arrest, "inform_requester_of_consent",
                         expected_version=arrest.version,
                         values={"consent_position": "does_not_consent",
                                 "informed_on": days_ago(9).date().isoformat()})
    with as_of(days_ago(3)):
        draft = _draft_for_review(caseworker, authorities)
    with as_of(days_ago(2, 16)):
        apply_transition(prosecutor, draft, "submit", expected_version=draft.version,
                         comment="Please review before translation.")
    _waiting_on_counterpart(caseworker, supervisor, authorities, days_ago)
    with as_of(days_ago(1)):
        _murder_suspect(caseworker, authorities)


def _bank_records(caseworker: User, authorities: dict) -> None:
    register_case(caseworker, CaseInput(
        direction="incoming", kind="mla", counterpart_country="XA", legal_basis="UNTOC",
        title="Bank records, invoice fraud ring", counterpart_reference="XA-2026-88",
        counterpart_authority_id=authorities["XA"].id,
        domestic_authority_id=authorities["pp_capital"].id,
        summary="A ring issued false invoices to Arcadian companies and moved the proceeds "
                "through accounts held in our capital.",
        received_at=now(), assignee_id=caseworker.id,
        offences=[OffenceInput(label="Escroquerie", statute="Code pénal art. 313-1",
                               max_penalty_months=60, iccs=["0701"],
                               conduct="Obtained funds by false invoices"),
                  OffenceInput(label="Blanchiment", statute="Code pénal art. 324-1",
                               max_penalty_months=120, iccs=["07041"],
                               conduct="Moved the proceeds through shell companies")],
        measures=["bank_records", "witness_hearing"],
        persons=[PersonInput(role="suspect", full_name="Jean Fictif",
                             date_of_birth="1979-04-02", nationality="Arcadian"),
                 PersonInput(role="witness", full_name="Marie Témoin")],
    ))


def _provisional_arrest(caseworker: User, authorities: dict) -> Case:
    return register_case(caseworker, CaseInput(
        direction="incoming", kind="extradition", counterpart_country="XB", legal_basis="ECE",
        title="Provisional arrest: armed robbery suspect", counterpart_reference="XB-EXT-14",
        counterpart_authority_id=authorities["XB"].id, is_urgent=True,
        urgency_reason="Person in provisional arrest: formal request awaited",
        received_at=now(), assignee_id=caseworker.id,
        offences=[OffenceInput(label="Robo con violencia", statute="Código Penal art. 242",
                               max_penalty_months=96, iccs=["0401"],
                               conduct="Robbed a bank at gunpoint")],
        persons=[PersonInput(role="suspect", full_name="Pedro Ejemplo", is_in_custody=True)],
    ))


def _draft_for_review(caseworker: User, authorities: dict) -> Case:
    return register_case(caseworker, CaseInput(
        direction="outgoing", kind="mla", counterpart_country="XC", legal_basis="UNCAC",
        title="Company records, bribery of a procurement officer",
        counterpart_authority_id=authorities["XC"].id,
        domestic_authority_id=authorities["pp_capital"].id, domestic_reference="PP-2026-311",
        offences=[OffenceInput(label="Bribery of a public official", statute="Penal Code s.301",
                               max_penalty_months=84, iccs=["07031"],
                               conduct="Paid a procurement officer to win a tender")],
        measures=["production_order"],
    ))


def _waiting_on_counterpart(caseworker: User, supervisor: User, authorities: dict,
                            days_ago: Callable[..., datetime]) -> None:
    """Sent five months ago, acknowledged four months ago, nothing since."""
    with as_of(days_ago(155)):
        sent = register_case(caseworker, CaseInput(
            direction="outgoing", kind="mla", counterpart_country="XA", legal_basis="UNTOC",
            title="Telephone subscriber records, cocaine shipment",
            counterpart_authority_id=authorities["XA"].id,
            domestic_authority_id=authorities["pp_capital"].id,
            domestic_reference="PP-2026-118", assignee_id=caseworker.id,
            offences=[OffenceInput(label="Drug trafficking", statute="Penal Code s.220",
                                   max_penalty_months=180, iccs=["0601"],
                                   conduct="Imported 40 kg of cocaine in a container")],
            measures=["electronic_evidence"],
        ))
    steps = [(154, caseworker, "submit", {}), (152, caseworker, "submit_for_signature", {}),
             (151, supervisor, "sign", {}),
             (150, caseworker, "transmit", {"channel": "central_authority"}),
             (122, caseworker, "record_acknowledgement", {"counterpart_reference": "XA-2026-31"})]
    for days, actor, step, values in steps:
        with as_of(days_ago(days)):
            apply_transition(actor, sent, step, expected_version=sent.version, values=values)


def _murder_suspect(caseworker: User, authorities: dict) -> None:
    register_case(caseworker, CaseInput(
        direction="outgoing", kind="extradition", counterpart_country="XA",
        legal_basis="BILATERAL", title="Murder suspect located in Arcadia",
        counterpart_authority_id=authorities["XA"].id,
        domestic_authority_id=authorities["pp_capital"].id,
        offences=[OffenceInput(label="Murder", statute="Penal Code s.100",
                               max_penalty_months=LIFE_MONTHS, iccs=["0101"],
                               conduct="Killed a shopkeeper during a dispute")],
        persons=[PersonInput(role="suspect", full_name="Max Muster")],
    ))
