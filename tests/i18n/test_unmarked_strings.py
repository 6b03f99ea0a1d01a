"""Every word a person reads went through a catalogue: the demo data set, every role,
every page they reach, in a pseudo-locale that wraps each catalogue string in ⟦…⟧.
(The trainee in a sandbox: tests/i18n/sandbox/.)"""

from __future__ import annotations

from sqlalchemy import select

from mla.cases.models import Case
from mla.core.transaction import unit_of_work
from mla.demo.services import load_demo
from tests.i18n.crawl import (
    DataValues,
    citations,
    leftover,
    locale_words,
    report,
    send_empty,
    sign_in,
    still_unmarked,
    stored_values,
    walk,
    wtforms_messages,
)


def test_the_checker_tells_data_from_unmarked_words():
    data = DataValues()
    data.add(["Viktor Almaviva", "UNTOC art. 18(21)(a)"])
    assert leftover("⟦Request⟧ MLA-IN-2026-0001", data) == ""
    assert leftover("⟦Confirm: ⟦Acknowledge⟧⟧", data) == ""
    assert leftover("Viktor Almaviva (UNTOC art. 18(21)(a)) ⟦held⟧", data) == ""
    assert leftover("⟦Due⟧ 24 Dec 2026, 23:59", data) == "Dec"  # locale words are added
    assert leftover("Next step", data) == "Next step"
    assert leftover("⟦Status⟧: received", data) == "received"


def test_every_page_every_role_reaches_is_translated(app_ctx, db, client, pseudo_locale):
    with unit_of_work():
        logins = load_demo()
    data = DataValues()
    data.add(stored_values())
    data.add(citations())
    data.add(locale_words())
    data.add_messages(wtforms_messages())
    references = list(db.session.scalars(select(Case.reference)))
    start = ["/", *(rule.rule for rule in app_ctx.url_map.iter_rules()
                    if "GET" in rule.methods and not rule.arguments
                    and not rule.rule.startswith(("/api/", "/static", "/sandbox"))
                    and rule.rule not in {"/login", "/logout", "/calendar/feed.ics"}),
             *(f"/requests/{reference}" for reference in references)]
    findings, read, forms = [], {}, {}
    for login in logins:
        sign_in(client, login.username, login.password)
        forms[login.role] = []
        found, pages = walk(app_ctx, client, login.role, start, data, forms=forms[login.role])
        findings += found
        read[login.role] = pages
    # then every form each saw, sent empty: the errors and messages it answers with
    sent = {}
    for login in logins:
        sign_in(client, login.username, login.password)
        found, sent[login.role] = send_empty(app_ctx, client, login.role, forms[login.role],
                                             data)
        findings += found
    print("pages read:", read, "forms sent:", sent)
    assert all(pages >= 5 for pages in read.values()), read
    assert sum(read.values()) >= 150 and sum(sent.values()) >= 30, (read, sent)
    findings = still_unmarked(findings, data)
    assert not findings, report(findings)
