"""Build a scenario pack skeleton from a closed request of a real instance.

An admin exports a closed request (``flask --app wsgi sandbox export-pack REF --out DIR``)
and gets a ``scenario.toml`` a trainer can edit into a pack. Nothing personal leaves:

- every person gets an invented name, date of birth, identifier, address and
  nationality; who acted is never written;
- the counterpart state becomes a fictional one (XA), its authorities and ours
  fictional ones, the references invented ones;
- dates become day offsets from a fixed fictional start (the request's last recorded
  step is day -1), so no real date is written either;
- free text (title, summary, offences' labels, statutes and conduct, step comments and
  text fields) is kept but scrubbed: every word of a person's name, date of birth,
  identifier or address, the references, the counterpart state's name and the names
  of the instance's users and authorities are replaced;
- documents are counted, never named.

Scrubbing only finds what the instance knows; the trainer still reads the texts
before a class sees them (docs/sandbox.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case
from mla.core.access import Role
from mla.core.errors import NotFound, ServiceError
from mla.directory.models import Authority
from mla.documents.models import Document
from mla.extensions import db
from mla.reference.models import Country
from mla.workflow.registry import definition_for_case

FICTIONAL_STATE = ("XA", "Arcadia", "Arcadian")
FICTIONAL_START = "2030-01-07T08:00:00Z"  # a Monday; day 0 of the skeleton
# Invented people, handed out in order; never drawn from the data.
FICTIONAL_PEOPLE = (
    ("Anton Vesk", "1981-03-14"), ("Mira Solvane", "1990-11-02"),
    ("Teodor Kalin", "1972-06-25"), ("Ines Marrow", "1985-01-30"),
    ("Bruno Aldric", "1968-09-09"), ("Lotte Fenwick", "1994-04-18"),
)
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ExportedPack:
    """The skeleton's files ({name: text}) and what was left out, for the admin."""
    reference: str
    files: dict[str, str]
    notes: tuple[str, ...]


def export_pack(actor: Actor, reference: str) -> ExportedPack:
    """A closed request as a pack skeleton with fictional people, states and dates.
    Admins only (or a command); audited (the audit row holds no personal data)."""
    if isinstance(actor, User) and actor.role != Role.ADMIN:
        raise ServiceError(_("Only an administrator can export a request as a training "
                             "pack."), code="forbidden", status=403)
    case = db.session.scalars(
        select(Case).where(func.upper(Case.reference) == reference.strip().upper())
    ).one_or_none()
    if case is None:
        raise NotFound(_("No request with that reference."))
    if not case.is_closed:
        raise ServiceError(_("Only a closed request can be exported as a training pack."),
                           code="not_closed")
    builder = _Builder(case)
    files = {"scenario.toml": builder.toml()}
    record_audit(actor, "sandbox.pack_exported", case, persons=len(case.persons),
                 steps=builder.step_count, dropped_steps=builder.dropped_steps)
    return ExportedPack(reference=case.reference, files=files, notes=tuple(builder.notes))


class _Scrubber:
    """Replaces every known personal or identifying word in free text."""

    def __init__(self) -> None:
        self.replacements: list[tuple[re.Pattern[str], str]] = []

    def add(self, value: str, replacement: str, *, words: bool = True) -> None:
        value = (value or "").strip()
        if not value:
            return
        self._pattern(value, replacement)
        if words:
            for word in _WORD.findall(value):
                if (len(word) >= 3 and not word.isdigit()) or len(word) >= 4:
                    self._pattern(word, replacement)

    def add_date(self, value: str, replacement: str) -> None:
        try:
            day = date.fromisoformat(value.strip()[:10])
        except ValueError:
            self.add(value, replacement)
            return
        for shape in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y", "%d-%m-%Y",
                      "%d %B %Y", "%B %d, %Y", "%Y%m%d"):
            self._pattern(day.strftime(shape), replacement)
            self._pattern(day.strftime(shape).replace(" 0", " ").lstrip("0"), replacement)

    def _pattern(self, text: str, replacement: str) -> None:
        pattern = re.compile(r"(?<![\w])" + re.escape(text) + r"(?![\w])", re.IGNORECASE)
        self.replacements.append((pattern, replacement))

    def __call__(self, text: str | None) -> str:
        result = text or ""
        # Longest first, so a full name goes before its parts.
        for pattern, replacement in sorted(self.replacements,
                                           key=lambda item: -len(item[0].pattern)):
            result = pattern.sub(replacement, result)
        return result.strip()


class _Builder:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.notes: list[str] = []
        self.step_count = 0
        self.dropped_steps = 0
        self.next_transition = ""
        self.scrub = _Scrubber()
        self.people = self._people()
        self._scrub_context()
        self.base, self.offset = self._days()

    # -- what is replaced -----------------------------------------------------------------
    def _people(self) -> list[dict[str, Any]]:
        people = []
        for number, person in enumerate(self.case.persons):
            name, born = FICTIONAL_PEOPLE[number % len(FICTIONAL_PEOPLE)]
            if number >= len(FICTIONAL_PEOPLE):
                name = f"{name} {number // len(FICTIONAL_PEOPLE) + 1}"
            real = person.decrypted()
            fictional: dict[str, Any] = {"role": person.role, "full_name": name}
            self.scrub.add(real["full_name"], name)
            if real["date_of_birth"]:
                fictional["date_of_birth"] = born
                self.scrub.add_date(real["date_of_birth"], born)
            if real["identifiers"]:
                fictional["identifiers"] = f"XA-ID-{number + 1:06d}"
                self.scrub.add(real["identifiers"], fictional["identifiers"])
            if real["address"]:
                fictional["address"] = f"{number + 12} Harbour Street, Arcadia City"
                self.scrub.add(real["address"], "[address]")
            if real["nationality"]:
                fictional["nationality"] = FICTIONAL_STATE[2]
                self.scrub.add(real["nationality"], FICTIONAL_STATE[2], words=False)
            if person.is_in_custody:
                fictional["in_custody"] = True
            people.append(fictional)
        return people

    def _scrub_context(self) -> None:
        case = self.case
        self.scrub.add(case.reference, "[our reference]", words=False)
        self.scrub.add(case.counterpart_reference, "XA-REF-001", words=False)
        self.scrub.add(case.domestic_reference, "DOM-REF-001", words=False)
        country = db.session.get(Country, case.counterpart_country)
        self.scrub.add(case.counterpart_country, FICTIONAL_STATE[0], words=False)
        if country is not None:
            self.scrub.add(country.name, FICTIONAL_STATE[1], words=False)
        for name, email in db.session.execute(select(Authority.name, Authority.email)):
            self.scrub.add(name, "[authority]", words=False)
            self.scrub.add(email, "[e-mail]", words=False)
        for username, display_name in db.session.execute(
                select(User.username, User.display_name)):
            self.scrub.add(display_name, "[colleague]")
            self.scrub.add(username, "[colleague]", words=False)

    def _days(self) -> tuple[date, int]:
        """Day 0 of the events is the receipt; the last recorded step becomes day -1."""
        moments = [e.at for e in self.case.events if e.at is not None]
        received = self.case.received_at or self.case.created_at
        base = received.date() if received else (min(moments).date() if moments else date.today())
        last = max([base, *(m.date() for m in moments)])
        return base, -((last - base).days + 1)

    def day(self, moment: date | datetime) -> int:
        value = moment.date() if isinstance(moment, datetime) else moment
        return (value - self.base).days + self.offset

    # -- the file ---------------------------------------------------------------------------
    def toml(self) -> str:
        case = self.case
        documents = db.session.scalar(
            select(func.count()).select_from(Document).where(Document.case_id == case.id)) or 0
        lines = [
            "# A pack skeleton exported from a closed request (docs/sandbox.md, \"Build a",
            "# pack from real work\"). People, states, references and dates are fictional;",
            "# free text was scrubbed of every name the instance knows: read it before use.",
            f"# {documents} document(s) were attached to the request; none is exported.",
            "",
            "[scenario]",
            f"title = {_s(self.scrub(case.title))}",
            'description = "Write what the trainees find on day 0."',
            f"start = {FICTIONAL_START}",
            "",
            "[home]",
            'name = "Zembla"',
            "",
            "[[states]]",
            f'code = "{FICTIONAL_STATE[0]}"',
            f'name = "{FICTIONAL_STATE[1]}"',
            "",
            "[states.counterpart]",
            "acknowledge_after_days = 3",
            "answer_after_days = 20",
            'outcome = "execute"',
            "",
        ]
        lines += self._authorities()
        lines += self._request()
        lines += [
            "# -- exercises: write one per step the trainees should take ------------------",
            "[[exercises]]",
            'code = "replay"',
            f"title = {_s(_('Take the request through its next step'))}",
            'instructions = "Write the instructions."',
            "",
            "[[exercises.checks]]",
            *(['check = "took_step"', 'label = "The next step is taken"',
               f'params = {{ request = "exported", transition = {_s(self.next_transition)} }}']
              if self.next_transition else
              ['check = "reached_state"', 'label = "The request reaches its last state"',
               f'params = {{ request = "exported", state = {_s(case.state)} }}']),
            "",
        ]
        return "\n".join(lines)

    def _authorities(self) -> list[str]:
        lines: list[str] = []
        if self.case.counterpart_authority is not None:
            lines += ["[[authorities]]", 'key = "counterpart"', 'country = "XA"',
                      f"kind = {_s(self.case.counterpart_authority.kind)}",
                      'name = "Central Authority of Arcadia"',
                      'email = "central.authority@justice.xa.example"', ""]
        if self.case.domestic_authority is not None:
            lines += ["[[authorities]]", 'key = "domestic"', 'country = "home"',
                      f"kind = {_s(self.case.domestic_authority.kind)}",
                      'name = "Competent authority of Zembla"',
                      'email = "authority@justice.xz.example"', ""]
        return lines

    def _request(self) -> list[str]:
        case = self.case
        received = case.received_at or case.created_at
        lines = [
            "[[requests]]",
            'key = "exported"',
            f"direction = {_s(case.direction)}",
            f"kind = {_s(case.kind)}",
            f'counterpart = "{FICTIONAL_STATE[0]}"',
            f"legal_basis = {_s(case.legal_basis)}",
            f"title = {_s(self.scrub(case.title) or 'Exported request')}",
            f"received_day = {self.day(received) if received else self.offset}",
        ]
        if case.counterpart_reference:
            lines.append('counterpart_reference = "XA-REF-001"')
        if case.domestic_reference:
            lines.append('domestic_reference = "DOM-REF-001"')
        if case.counterpart_authority is not None:
            lines.append('counterpart_authority = "counterpart"')
        if case.domestic_authority is not None:
            lines.append('domestic_authority = "domestic"')
        if case.is_urgent:
            lines += ["urgent = true", f"urgency_reason = {_s(self.scrub(case.urgency_reason))}"]
        if case.measures:
            lines.append(f"measures = {_s([m.code for m in case.measures])}")
        lines.append(f"summary = {_s(self.scrub(case.summary))}")
        lines.append("")
        for offence in case.offences:
            lines += ["[[requests.offences]]",
                      f"label = {_s(self.scrub(offence.label) or 'Offence')}",
                      f"statute = {_s(self.scrub(offence.statute))}"]
            if offence.max_penalty_months is not None:
                lines.append(f"max_penalty_months = {offence.max_penalty_months}")
            lines += [f"iccs = {_s(list(offence.iccs_codes or []))}",
                      f"conduct = {_s(self.scrub(offence.conduct))}", ""]
        for person in self.people:
            lines.append("[[requests.persons]]")
            lines += [f"{key} = {_s(value)}" for key, value in person.items()]
            lines.append("")
        lines += self._steps()
        return lines

    def _steps(self) -> list[str]:
        """The workflow steps in order; the first one a pack cannot replay (a field
        naming a real record) ends the list: the trainees take it and what follows."""
        workflow = definition_for_case(self.case)
        lines: list[str] = []
        events = sorted((e for e in self.case.events if e.kind == "transition" and e.transition),
                        key=lambda e: (e.at, e.id))
        for position, event in enumerate(events):
            transition = workflow.transition(event.transition or "")
            fields, replayable = self._fields(transition, event.values)
            self.next_transition = event.transition or ""
            if transition is None or not replayable:
                self.dropped_steps = len(events) - position
                self.notes.append(_("%(count)d step(s) from %(step)s on are left for the "
                                    "trainees (a field names a record of this instance).",
                                    count=self.dropped_steps, step=event.transition))
                lines.append(f"# {self.dropped_steps} later step(s) from "
                             f"{event.transition!r} on are left out.")
                break
            self.step_count += 1
            lines += ["[[requests.steps]]", f"transition = {_s(event.transition)}",
                      f"day = {self.day(event.at)}"]
            if fields:
                inline = ", ".join(f"{k} = {_s(v)}" for k, v in fields.items())
                lines.append(f"fields = {{ {inline} }}")
            comment = self.scrub(event.comment)
            if comment:
                lines.append(f"comment = {_s(comment)}")
            lines.append("")
        return lines

    def _fields(self, transition: Any, values: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        fields: dict[str, Any] = {}
        if transition is None:
            return fields, False
        for name, value in values.items():
            spec = transition.field(name)
            kind = spec.type if spec is not None else "text"
            if value in (None, "", []):
                continue
            if kind == "date" and isinstance(value, str) and _DAY.match(value):
                fields[name] = self.day(date.fromisoformat(value[:10]))
            elif kind in ("authority", "user", "document", "person"):
                if spec is not None and spec.required:
                    return fields, False
            elif isinstance(value, bool | int | float):
                fields[name] = value
            elif isinstance(value, list):
                fields[name] = [self.scrub(str(v)) for v in value]
            else:
                fields[name] = self.scrub(str(value))
        return fields, True


def _s(value: Any) -> str:
    """A TOML value: JSON's string escapes are TOML's basic-string escapes."""
    return json.dumps(value, ensure_ascii=False)
