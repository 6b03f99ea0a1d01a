"""A training sandbox with the shipped scenario pack: the trainer and a trainee reach
every page they can, in the pseudo-locale; no word on them bypasses a catalogue."""

from __future__ import annotations

from mla.sandbox.models import Exercise
from tests.conftest import PASSWORD
from tests.i18n.crawl import (
    DataValues,
    citations,
    locale_words,
    report,
    send_empty,
    sign_in,
    still_unmarked,
    stored_values,
    wtforms_messages,
)
from tests.i18n.crawl import walk as crawl


def test_every_sandbox_page_is_translated(app_ctx, db, client, loaded, trainer, create_user,
                                          pseudo_locale):
    loaded()
    trainee = create_user("trainee")
    db.session.commit()
    data = DataValues()
    # the exercises' words are looked up by key (mla.core.i18n), not data to be let through
    shown_by_key = {e.title for e in db.session.query(Exercise)} | {
        e.instructions for e in db.session.query(Exercise)}
    data.add(v for v in stored_values() if v not in shown_by_key)
    data.add(citations())
    data.add(locale_words())
    start = ["/", "/sandbox/", "/sandbox/exercises", "/sandbox/progress", "/sandbox/outbox",
             "/sandbox/class"]
    data.add_messages(wtforms_messages())
    findings, read, forms = [], {}, {}
    for user in (trainer, trainee):
        sign_in(client, user.username, PASSWORD)
        forms[user.username] = []
        found, pages = crawl(app_ctx, client, str(user.role), start, data,
                             forms=forms[user.username])
        findings += found
        read[str(user.role)] = pages
    # The trainee's forms first: the trainer's include "give this trainee a new password",
    # which an empty form still does (a new password is generated), and "reset the class".
    for user in (trainee, trainer):
        sign_in(client, user.username, PASSWORD)
        found, _sent = send_empty(app_ctx, client, str(user.role), forms[user.username], data)
        findings += found
    print("pages read:", read)
    assert read["trainee"] >= 10 and read["supervisor"] >= 10, read
    findings = still_unmarked(findings, data)
    assert not findings, report(findings)
