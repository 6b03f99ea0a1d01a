"""The deadline rules page names each rule by its title for everyone; the rule's id
(ece_provisional_arrest, as workflow files name it) is shown to those who set the rules
(admins) only. "milestone at 18" stays whole ("mileston / e at 18" in the narrow column)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("role, shows_ids", [("caseworker", False), ("trainee", False),
                                             ("auditor", False), ("admin", True)])
def test_rule_ids_only_for_admins(client, db, create_user, login_as, role, shows_ids):
    user = create_user(role)
    user.language = "fr"
    db.session.commit()
    login_as(user)
    page = client.get("/deadlines/rules").get_data(as_text=True)
    assert "Demande formelle d&#39;extradition après arrestation provisoire" in page
    assert ("<code>ece_provisional_arrest</code>" in page) is shows_ids
    assert ("<code>sla_acknowledge</code>" in page) is shows_ids


def test_a_milestone_stays_on_one_line(client, db, create_user, login_as):
    login_as(create_user("caseworker"))
    page = client.get("/deadlines/rules").get_data(as_text=True)
    assert '<span class="text-nowrap">milestone at 18</span>' in page
