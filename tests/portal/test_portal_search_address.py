"""The prosecutors' portal has no search box; a ``?q=`` typed into its address by hand
(or an old bookmark) is read as before, but the list's own links (the exports) carry a
kept search's handle, never the words (mla/cases/searches.py)."""

from __future__ import annotations

import re

from mla.cases.services import PersonInput

NAME = "Ilse Vorrabend"


def test_the_portals_export_links_carry_a_handle_not_the_words(
        client, login_as, prosecutor_setup, make_case):
    staff, ours, me = (prosecutor_setup[k] for k in ("staff", "ours", "me"))
    named = make_case(staff, domestic_authority_id=ours.id, title="Named",
                      persons=[PersonInput(role="suspect", full_name=NAME)])
    login_as(me)
    html = client.get("/portal/", query_string={"q": NAME}).get_data(as_text=True)
    assert named.reference in html and prosecutor_setup["mine"].reference not in html
    links = re.findall(r'href="(/portal/export\.[a-z]+[^"]*)"', html)
    assert len(links) == 2
    assert all("Vorrabend" not in link and "search=" in link for link in links)
    exported = client.get(links[0].replace("&amp;", "&")).get_data(as_text=True)
    assert named.reference in exported
    assert prosecutor_setup["mine"].reference not in exported
    expired = client.get("/portal/export.csv?search=made-up")
    assert expired.status_code == 302 and expired.headers["Location"] == "/portal/"
