"""The custody board in a sandbox: a trainee sees the persons held in their own copy of
the scenario only; the trainer sees the class."""

from __future__ import annotations

import re

from tests.sandbox.helpers import scenario_case

KEY = "arcadia-extradition"


def _references(html: str) -> set[str]:
    return set(re.findall(r"(?:MLA|EXT)-(?:IN|OUT)-\d{4}-\d{5}", html))


def test_a_trainee_sees_custody_in_their_own_copy_only(client, db, loaded, create_user,
                                                       trainer, login_as):
    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    mine, theirs = scenario_case(db, KEY, amira), scenario_case(db, KEY, bruno)
    assert mine.state == theirs.state == "arrested"
    login_as(amira)
    board = _references(client.get("/custody").get_data(as_text=True))
    assert mine.reference in board and theirs.reference not in board
    home = _references(client.get("/").get_data(as_text=True))
    assert mine.reference in home and theirs.reference not in home
    login_as(trainer)
    assert {mine.reference, theirs.reference} <= _references(
        client.get("/custody").get_data(as_text=True))
