"""A standalone instance for operations tests: its own database (SQLite file or a fresh
PostgreSQL database), key file and instance folder, seeded with requests, persons,
documents and a draft, and run through the real `flask` command in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from mla import create_app
from mla.auth.services import create_user
from mla.cases.models import Case, CaseEvent, Measure, Offence, Person
from mla.cases.services import CaseInput, OffenceInput, PersonInput, add_event, register_case
from mla.core.transaction import unit_of_work
from mla.deadlines.models import Deadline
from mla.documents import storage
from mla.documents.models import Composition, CompositionKind, Document
from mla.documents.services import Upload, store_document
from mla.dualcrim.models import Assessment
from mla.exchange.models import Direction, ExchangeMessage, MessageStatus
from mla.extensions import db
from mla.notifications.models import Letter, LetterStatus, Notification, OutboxMessage
from mla.notifications.outbox import enqueue
from mla.persons.models import CaseLink, CompetingDecision
from mla.portal.models import OutgoingDraft
from mla.reference.services import ensure_fictional_country, load_reference_data
from mla.undertakings.models import (
    Assurance,
    AutDedereReferral,
    SpecialityConsent,
    SpecialityRecord,
    UseLimitation,
)
from mla.worklist.models import SavedFilter
from tests.conftest import (
    create_run_database,
    drop_run_database,
    make_settings,
    postgres_available,
    selected_backend,
    skip_or_fail,
)

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Instance:
    directory: Path
    database_url: str
    document_store: str = "database"
    key_ring_json: str | None = None  # MLA_KEY_RING instead of the key file
    _apps: list[Flask] = field(default_factory=list)

    @property
    def key_file(self) -> Path:
        return self.directory / "keyring.json"

    def app(self) -> Flask:
        """A new app on this instance (it reads the key ring afresh)."""
        overrides: dict[str, Any] = {"document_store": self.document_store}
        if self.key_ring_json is not None:
            overrides["key_ring_json"] = self.key_ring_json
        app = create_app(make_settings(self.directory, self.database_url, **overrides))
        self._apps.append(app)
        return app

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLA_")}
        env.update({
            "MLA_DATABASE_URL": self.database_url, "MLA_INSTANCE_PATH": str(self.directory),
            "MLA_HOME_COUNTRY": "XZ", "MLA_SECRET_KEY": "t" * 48,
            "MLA_DOCUMENT_STORE": self.document_store, "MLA_COOKIE_SECURE": "no",
        })
        if self.key_ring_json is not None:
            env["MLA_KEY_RING"] = self.key_ring_json
        else:
            env["MLA_KEY_FILE"] = str(self.key_file)
        return env

    def flask(self, *args: str, script: str | None = None,
              check: bool = False) -> subprocess.CompletedProcess[str]:
        """`flask ARGS` on a new app of this instance, run in this process; with a
        ``script``, `flask --app wsgi ARGS` in a real subprocess (one that can be killed)."""
        if script is None:
            outcome = self.app().test_cli_runner().invoke(args=list(args))
            if outcome.exception is not None and not isinstance(outcome.exception,
                                                                SystemExit):
                raise outcome.exception
            result = subprocess.CompletedProcess(list(args), outcome.exit_code,
                                                 outcome.stdout, outcome.stderr)
        else:
            command = [sys.executable, "-c", script, "--app", "wsgi", *args]
            result = subprocess.run(command, cwd=ROOT, env=self.environment(), text=True,
                                    capture_output=True, timeout=300, check=False)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def dispose(self) -> None:
        for app in self._apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@contextlib.contextmanager
def new_database(tmp_path: Path, name: str) -> Iterator[str]:
    """A new empty database: a SQLite file in tmp_path, or a PostgreSQL database with a
    name unique to this run (dropped afterwards)."""
    if selected_backend() != "postgres":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    reason = postgres_available()
    if reason:
        skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
    url = create_run_database(name, f"{os.getpid()}_{secrets.token_hex(3)}")
    try:
        yield url
    finally:
        drop_run_database(url)


def set_up_schema(app: Flask) -> None:
    with app.app_context():
        db.create_all()
        with unit_of_work():
            load_reference_data()
            ensure_fictional_country("XZ", "Zembla")
            ensure_fictional_country("XA", "Arcadia")


PERSONS = [
    {"full_name": "Jean Fictif", "date_of_birth": "1970-01-02", "nationality": "XA",
     "identifiers": "passport XA123", "address": "1 rue Imaginaire"},
    {"full_name": "Marie Exemple", "address": "2 Test Street"},
    {"full_name": "Ödön Probe", "identifiers": "ID 42"},
]


def seed(app: Flask, cases: int = 3) -> None:
    """Requests with persons, documents, a step's typed values, a letter (and one
    discarded with a reason), an e-mail in the outbox and an in-app notification, a clock
    extended with a reason and notice and paused with a reason, a package the counterpart
    refused, a request document drafted, an overridden dual criminality decision, and a
    prosecutor's draft."""
    with app.app_context(), app.test_request_context(), unit_of_work():
        actor = create_user("test", username=f"worker{secrets.token_hex(3)}",
                            password="correct horse battery staple", role="caseworker")
        previous = None
        for number in range(cases):
            case = register_case(actor, CaseInput(
                direction="incoming", kind="mla", counterpart_country="XA",
                legal_basis="UNTOC", title=f"Bank records {number}",
                summary=f"Jean Fictif opened account {number}",
                is_urgent=True, urgency_reason=f"Jean Fictif leaves on Friday {number}",
                offences=[OffenceInput(label="Fraud", statute="PC 210",
                                       max_penalty_months=60, iccs=["0701"],
                                       conduct=f"Jean Fictif forged invoice {number}")],
                measures=["bank_records"],
                persons=[PersonInput(role="suspect", **person) for person in PERSONS]))
            case.measures[0].details = f"Accounts of Jean Fictif {number}"
            for page in range(2):  # named after the person, as uploads often are
                store_document(actor, case, Upload(f"Jean Fictif passport {number}-{page}.txt",
                                                   f"Case {number} page {page}".encode()))
            # A step's typed free text (sealed) beside its refusal ground (plain), and a
            # letter that repeats it.
            add_event(case, actor, "transition", transition="refuse",
                      data={"values": {"refusal_ground": "essential_interests"}},
                      sealed_values=json.dumps({"reasons": f"Jean Fictif is a minor {number}"}))
            db.session.add(Letter(key=f"seed-letter-{number}", case=case,
                                  template_code="refusal_notice",
                                  subject=f"Refusal: Jean Fictif {number}",
                                  body=f"Jean Fictif is a minor {number}"))
            db.session.add(Letter(key=f"seed-discarded-{number}", case=case,
                                  template_code="refusal_notice", subject="Refusal",
                                  body="Draft", status=LetterStatus.DISCARDED,
                                  discard_reason=f"Jean Fictif withdrew {number}"))
            db.session.flush()
            enqueue(f"seed-mail-{number}", "email", subject=f"Reminder: Jean Fictif {number}",
                    body=f"Jean Fictif's surrender is due {number}",
                    to_address="worker@example.org", case_id=case.id)
            # A letter re-sent after a failure, the mail server's words sealed with it.
            add_event(case, actor, "letter", data={"action": "retry"}, is_internal=True,
                      sealed_values=json.dumps({"reason": f"Refused: jean.fictif{number}"
                                                          "@example.org"}))
            if number == 0:  # a failed delivery (the others have none: NULL)
                db.session.execute(update(OutboxMessage).where(
                    OutboxMessage.key == "seed-mail-0").values(
                    last_error="The mail server refused the recipient: "
                               "jean.fictif@example.org (550 5.1.1)"))
            # A clock extended for a reason naming the person, its notice letter's subject,
            # and a package the counterpart refused in words naming them too.
            db.session.add(Deadline(
                case_id=case.id, rule_code="eaw_decision", country_code="XA",
                start_on=date(2026, 1, 10), due_at=datetime(2026, 3, 11, tzinfo=UTC),
                extensions=1, extension_reason=f"Jean Fictif in hospital {number}",
                extension_notice=f"Extension: Jean Fictif {number} (draft)",
                status="paused", paused_at=datetime(2026, 3, 2, tzinfo=UTC),
                pause_reason=f"Jean Fictif's lawyer asked for time {number}"))
            db.session.add(ExchangeMessage(
                message_id=f"seed-message-{number}", direction=Direction.OUTGOING,
                kind="request", counterpart="XA:ca", case_id=case.id,
                status=MessageStatus.SEALED, package_sha256="0" * 64,
                issued_at=datetime(2026, 3, 1, tzinfo=UTC),
                data={"refusal": {"code": "malformed"}},
                refusal_reason=f"No file on Jean Fictif {number}"))
            # A dual criminality decision departing from the verdict, and why.
            db.session.add(Assessment(
                case_id=case.id, offence_label="Fraud", conduct_iccs=["0701"],
                legal_basis="UNTOC", requesting_country="XA", requested_country="XZ",
                verdict="satisfied", decision="not_satisfied", is_override=True,
                justification=f"Jean Fictif's transfers are below the threshold {number}"))
            # An assurance received and assessed: its terms, who gave it, the reasons.
            db.session.add(Assurance(
                case_id=case.id, kind="prison_conditions", source_article="ECHR art. 3",
                state="sufficient", terms=f"Jean Fictif held alone {number}",
                requested_on=date(2026, 3, 1), received_on=date(2026, 3, 2),
                given_by=f"Judge Fictif-Hale {number}", assessed_on=date(2026, 3, 3),
                assessment=f"Jean Fictif's lawyer may visit {number}"))
            # A limitation on its first document: scope, who imposed it, the note.
            db.session.add(UseLimitation(
                document_id=db.session.scalar(select(Document.id).where(
                    Document.case_id == case.id).limit(1)), case_id=case.id, kind="use",
                scope=f"Only against Jean Fictif {number}", source_article="UNTOC",
                imposed_by=f"Prosecutor Fictif-Hale {number}",
                imposed_on=date(2026, 3, 1), note=f"Jean Fictif's trial first {number}"))
            # The person surrendered, and a consent refused: its subject and reasons.
            record = SpecialityRecord(case_id=case.id, direction="surrendered_by_us",
                                      state="lapsed", surrendered_on=date(2026, 1, 5),
                                      lapse_reason=f"Jean Fictif stayed on {number}")
            db.session.add(record)
            db.session.flush()
            db.session.add(SpecialityConsent(
                record_id=record.id, case_id=case.id, purpose="other_offences",
                article="ECE art. 14", subject=f"Jean Fictif's robbery {number}",
                asked_on=date(2026, 3, 2), state="refused", decided_on=date(2026, 3, 9),
                reasons=f"Jean Fictif was tried for it {number}"))
            # A refusal referred for prosecution: what the prosecution decided.
            db.session.add(AutDedereReferral(
                case_id=case.id, referred_on=date(2026, 2, 1), state="outcome_recorded",
                outcome="convicted", outcome_on=date(2026, 3, 2),
                details=f"Jean Fictif sentenced to four years {number}"))
            if previous is not None:  # linked to the one before: the note, who prevails
                db.session.flush()
                link = db.session.scalar(select(CaseLink).where(
                    CaseLink.case_id == previous.id, CaseLink.other_case_id == case.id))
                if link is None:
                    link = CaseLink(case_id=previous.id, other_case_id=case.id,
                                    reason="name", details={})
                    db.session.add(link)
                link.status, link.decided_by_id = "confirmed", actor.id
                link.decision_note = f"Jean Fictif is the same man {number}"
                db.session.flush()
                db.session.add(CompetingDecision(
                    link_id=link.id, prevailing_case_id=case.id,
                    criteria={"seriousness": f"Jean Fictif's murder weighs more {number}"},
                    reasons=f"Jean Fictif's offence here is graver {number}"))
            # A saved list searching for the person by name.
            db.session.add(SavedFilter(user_id=actor.id, name=f"Fictif {number}",
                                       query=f"q=Jean+Fictif+{number}&urgent=1"))
            previous = case
            # The request document drafted for it: its title and whole text.
            db.session.add(Composition(
                case_id=case.id, kind=CompositionKind.REQUEST, language="en",
                title=f"Request about Jean Fictif {number}",
                sections=[{"key": "b", "heading": "Facts",
                           "text": f"Jean Fictif moved the funds {number}"}]))
            db.session.add(Notification(key=f"seed-note-{number}", user_id=actor.id,
                                        case_id=case.id, title=f"Jean Fictif {number}",
                                        body=f"Jean Fictif arrested {number}"))
        draft = OutgoingDraft(author_id=actor.id, step="facts")
        draft.data = {"facts": {"summary": "Jean Fictif sent false invoices"}}
        db.session.add(draft)


def read_everything(app: Flask) -> dict[str, Any]:
    """Every sealed thing of the instance, opened: persons, drafts, documents."""
    with app.app_context():
        try:
            return {
                "cases": sorted(db.session.scalars(select(Case.title))),
                "summaries": sorted(db.session.scalars(select(Case.summary))),
                "urgency": sorted(db.session.scalars(select(Case.urgency_reason))),
                "conduct": sorted(db.session.scalars(select(Offence.conduct))),
                "measures": sorted(db.session.scalars(select(Measure.details))),
                "comments": sorted(db.session.scalars(select(CaseEvent.comment))),
                "step_values": sorted(json.dumps(e.values, sort_keys=True)
                                      for e in db.session.scalars(select(CaseEvent))),
                "letters": sorted((letter.subject, letter.body, letter.discard_reason)
                                  for letter in db.session.scalars(select(Letter))),
                "outbox": sorted((m.subject, m.body, m.last_error)
                                 for m in db.session.scalars(select(OutboxMessage))),
                "deadlines": sorted((d.extension_reason, d.extension_notice, d.pause_reason)
                                    for d in db.session.scalars(select(Deadline))),
                "compositions": sorted((c.title, json.dumps(c.sections))
                                       for c in db.session.scalars(select(Composition))),
                "justifications": sorted(db.session.scalars(select(Assessment.justification))),
                "assurances": sorted((a.terms, a.given_by, a.assessment)
                                     for a in db.session.scalars(select(Assurance))),
                "limitations": sorted((lim.scope, lim.imposed_by, lim.note)
                                      for lim in db.session.scalars(select(UseLimitation))),
                "lapses": sorted(db.session.scalars(select(SpecialityRecord.lapse_reason))),
                "consents": sorted((c.subject, c.reasons)
                                   for c in db.session.scalars(select(SpecialityConsent))),
                "referrals": sorted(db.session.scalars(select(AutDedereReferral.details))),
                "link_notes": sorted(db.session.scalars(select(CaseLink.decision_note))),
                "competing": sorted(db.session.scalars(select(CompetingDecision.reasons))),
                "criteria": sorted(json.dumps(c.criteria, sort_keys=True)
                                   for c in db.session.scalars(select(CompetingDecision))),
                "saved_queries": sorted(db.session.scalars(select(SavedFilter.query))),
                "filenames": sorted(db.session.scalars(select(Document.filename))),
                "refusals": sorted(m.refusal_reason
                                   for m in db.session.scalars(select(ExchangeMessage))),
                "notifications": sorted((n.title, n.body)
                                        for n in db.session.scalars(select(Notification))),
                "persons": sorted(tuple(sorted(p.decrypted().items()))
                                  for p in db.session.scalars(select(Person))),
                "drafts": [d.data for d in db.session.scalars(select(OutgoingDraft))],
                "documents": sorted(storage.read_content(d.id, d.uid).decode()
                                    for d in db.session.scalars(select(Document))),
            }
        finally:
            db.session.remove()
