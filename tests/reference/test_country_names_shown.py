"""A counterpart state shown on a page reads in the page's language, as the choices do:
"Allemagne" on a French page, "ألمانيا" on an Arabic one, the stored ISO 3166 name in
English, and a fictional training state its own name. The request list is tested; the
directory, approvals, a person's competing requests and the catalogues use the same
filter (country_label)."""

from __future__ import annotations

import re

import pytest


def _cells(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>([^<]*)</td>", page)]


@pytest.mark.parametrize("language, germany", [
    ("en", "Germany"), ("fr", "Allemagne"), ("ar", "ألمانيا"), ("zh", "德国")])
def test_the_request_list_names_the_state_in_the_page_language(
        db, client, login_as, create_user, make_case, language, germany):
    user = create_user("caseworker")
    user.language = language
    make_case(user, counterpart_country="DE")
    fictional = make_case(user)  # XA: a training state keeps the name it was given
    db.session.commit()
    stored = fictional.country.name
    login_as(user)

    cells = _cells(client.get("/requests/").get_data(as_text=True))

    assert germany in cells
    assert stored in cells
    if language != "en":
        assert "Germany" not in cells
