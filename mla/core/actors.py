"""Who acts when no person does, and what the ground floor reads of one who does.

Services take an explicit actor: a signed-in user (`mla.auth.actors.Actor` is
`User | SystemActor`) or the system. Audit and the directory sit below auth, so they
name the user part by what they read of it (`Person`).
"""

from __future__ import annotations

from typing import Protocol


class SystemActor(str):
    """A command, a scheduled job or a loader acting with no person behind it
    (``SystemActor("scheduler")``). Its text is the label history and audit rows
    record, as the plain string used before it did."""

    __slots__ = ()


# What `flask ...` commands act as.
COMMAND_LINE = SystemActor("cli")


class Person(Protocol):
    """A user who acts, as audit records one: the row's id and its username."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...
