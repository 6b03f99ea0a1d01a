"""What a scenario pack holds once read: plain frozen values, and the error listing
every problem found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from mla.core.errors import ServiceError


class PackError(ServiceError):
    """The pack cannot be loaded; ``problems`` says where and why. Nothing was changed."""
    def __init__(self, problems: list[str]) -> None:
        super().__init__(_("The scenario pack cannot be loaded: %(count)d problem(s).",
                           count=len(problems)), code="invalid_pack",
                         details={"problems": problems})
        self.problems = problems

    def __str__(self) -> str:
        return self.message + "\n" + "\n".join(f"- {p}" for p in self.problems)


LETTER_LANGUAGES = ("en", "fr", "es")
# What the counterpart writes: a question's second round is ``follow_up``.
LETTER_TEXTS = ("acknowledgement", "question", "follow_up", "refusal", "execution")


@dataclass(frozen=True)
class CounterpartSpec:
    acknowledge_after_days: int = 3
    answer_after_days: int = 20
    supplementary_probability: int = 0
    supplementary_question: str = ""
    outcome: str = "execute"
    refusal_ground: str = ""
    refusal_reason: str = ""
    # The language its letters are written in, their texts ({kind: {language: text}}),
    # and when an answer to its question is complete (every keyword group found in the
    # answer, every checklist item ticked); after ``max_questions`` it goes on anyway.
    language: str = "en"
    letters: dict[str, dict[str, str]] = field(default_factory=dict)
    keywords: tuple[tuple[str, ...], ...] = ()
    checklist: tuple[str, ...] = ()
    max_questions: int = 3

    def script(self) -> dict[str, Any]:
        """As kept on the loaded profile (CounterpartProfile.script)."""
        return {"language": self.language, "letters": self.letters,
                "keywords": [list(k) for k in self.keywords],
                "checklist": list(self.checklist), "max_questions": self.max_questions}


@dataclass(frozen=True)
class StateSpec:
    code: str
    name: str
    catalogue: Path | None = None
    holiday_calendar: str = ""
    counterpart: CounterpartSpec = field(default_factory=CounterpartSpec)


@dataclass(frozen=True)
class AuthoritySpec:
    key: str
    country: str  # a code, or "home"
    kind: str
    name: str
    email: str = ""
    phone: str = ""
    address: str = ""
    website: str = ""
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepSpec:
    transition: str
    day: int
    time: time
    fields: dict[str, Any]
    comment: str = ""


@dataclass(frozen=True)
class RequestSpec:
    key: str
    direction: str
    kind: str
    counterpart: str
    legal_basis: str
    title: str
    received_day: int
    summary: str = ""
    counterpart_reference: str = ""
    domestic_reference: str = ""
    counterpart_authority: str = ""
    domestic_authority: str = ""
    urgent: bool = False
    urgency_reason: str = ""
    measures: tuple[str, ...] = ()
    offences: tuple[dict[str, Any], ...] = ()
    persons: tuple[dict[str, Any], ...] = ()
    steps: tuple[StepSpec, ...] = ()
    counterpart_plan: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckSpec:
    check: str
    label: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ExerciseSpec:
    code: str
    title: str
    instructions: str
    checks: tuple[CheckSpec, ...]
    model_answer: str = ""  # shown to the trainer in the debrief


@dataclass(frozen=True)
class Pack:
    name: str
    path: Path
    title: str
    description: str
    start: datetime
    home_name: str
    home_catalogue: Path | None
    states: tuple[StateSpec, ...]
    authorities: tuple[AuthoritySpec, ...]
    requests: tuple[RequestSpec, ...]
    exercises: tuple[ExerciseSpec, ...]

    def at(self, day: int, at_time: time | None = None) -> datetime:
        """The instant of ``day`` (relative to the start) at ``at_time`` or the start's time."""
        base = self.start.date().toordinal() + day
        clock_time = at_time or self.start.timetz().replace(tzinfo=None)
        return datetime.combine(date.fromordinal(base), clock_time, tzinfo=UTC)

    def arrives_at(self, spec: RequestSpec) -> datetime | None:
        """When a request the pack schedules after the start arrives: once its receipt and
        every step of it are in the past (None: it is there from the start)."""
        if spec.received_day <= 0:
            return None
        return max([self.at(spec.received_day),
                    *(self.at(s.day, s.time) for s in spec.steps)])

    def day_date(self, day: int) -> date:
        return date.fromordinal(self.start.date().toordinal() + day)
