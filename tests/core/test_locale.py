"""Which language a page, an API answer and a notice speak (mla.core.locale), and the
instance default's setting (MLA_DEFAULT_LOCALE)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from markupsafe import escape

from mla.core.locale import LANGUAGE_COOKIE, choose_locale
from mla.settings import SUPPORTED_LOCALES, ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def speaker(create_user, db):
    """A user who chose ``language`` on their account page."""

    def make(role: str = "caseworker", language: str | None = None, **kwargs):
        user = create_user(role, **kwargs)
        user.language = language
        db.session.commit()
        return user

    return make


def _html_tag(html: str) -> str:
    match = re.search(r"<html[^>]*>", html)
    assert match, html[:200]
    return match.group(0)


# -- the order, as a pure function ------------------------------------------------------
def test_the_six_languages_of_the_united_nations():
    assert set(SUPPORTED_LOCALES) == {"en", "fr", "es", "ru", "ar", "zh"}


@pytest.mark.parametrize(("chosen", "remembered", "accept", "expected"), [
    ("ar", "es", [("fr", 1.0)], "ar"),     # the user's choice first
    (None, "es", [("fr", 1.0)], "es"),     # then the sign-in page's switcher
    (None, None, [("fr", 1.0)], "fr"),     # then the browser
    (None, None, [], "ru"),                # then the instance default
    ("de", None, [("zh", 1.0)], "zh"),     # a stale choice outside the six is ignored
    (None, None, [("de", 1.0), ("es-MX", 0.8)], "es"),  # the best the browser accepts
    (None, None, [("zh-Hans-CN", 1.0)], "zh"),
    (None, None, [("fr", 0.0), ("ru", 0.5)], "ru"),  # q=0 means "not this one"
    (None, None, [("*", 1.0)], "ru"),
])
def test_choice_then_cookie_then_accept_language_then_default(chosen, remembered, accept,
                                                              expected):
    assert choose_locale(chosen=chosen, remembered=remembered, accept=accept,
                         default="ru") == expected


def test_the_api_puts_the_header_first():
    assert choose_locale(chosen="ar", remembered=None, accept=[("fr", 1.0)], default="en",
                         prefer_header=True) == "fr"
    assert choose_locale(chosen="ar", remembered=None, accept=[], default="en",
                         prefer_header=True) == "ar"


# -- the setting ------------------------------------------------------------------------
def test_the_default_locale_setting(tmp_path):
    assert Settings.from_env(environ={}, instance_path=tmp_path).default_locale == "en"
    chosen = Settings.from_env(environ={"MLA_DEFAULT_LOCALE": "ar"}, instance_path=tmp_path)
    assert chosen.default_locale == "ar"
    with pytest.raises(ConfigError, match=r"MLA_DEFAULT_LOCALE must be one of en, fr, es, "
                                          r"ru, ar, zh .*got 'de'"):
        Settings.from_env(environ={"MLA_DEFAULT_LOCALE": "de"}, instance_path=tmp_path)
    with pytest.raises(ConfigError, match="MLA_DEFAULT_LOCALE"):
        Settings.from_env(environ={"MLA_DEFAULT_LOCALE": "fr_FR"}, instance_path=tmp_path)


def test_a_bad_default_locale_refuses_to_start_and_says_why(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("MLA_")}
    env.update(MLA_INSTANCE_PATH=str(tmp_path), MLA_DEFAULT_LOCALE="klingon")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode != 0
    assert "MLA_DEFAULT_LOCALE must be one of en, fr, es, ru, ar, zh" in done.stderr
    assert "'klingon'" in done.stderr


# -- pages ------------------------------------------------------------------------------
@pytest.mark.parametrize(("header", "tag"), [
    ("fr-FR,fr;q=0.9,en;q=0.5", '<html lang="fr" dir="ltr">'),
    ("ar", '<html lang="ar" dir="rtl">'),
    ("zh-CN,zh;q=0.9", '<html lang="zh-Hans" dir="ltr">'),
    ("ru", '<html lang="ru" dir="ltr">'),
    ("es-419", '<html lang="es" dir="ltr">'),
    ("de-DE", '<html lang="en" dir="ltr">'),
])
def test_before_signing_in_pages_follow_accept_language(client, header, tag):
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert _html_tag(html) == tag
    assert ("bootstrap.rtl.min.css" in html) == ('dir="rtl"' in tag)


def test_without_accept_language_the_instance_default(app, client, monkeypatch):
    settings = app.extensions["mla.settings"]
    monkeypatch.setitem(app.extensions, "mla.settings", replace(settings, default_locale="ar"))
    html = client.get("/login").get_data(as_text=True)
    assert _html_tag(html) == '<html lang="ar" dir="rtl">'


def test_the_sign_in_page_switcher_remembers_the_choice(client, csrf_token):
    token = csrf_token("/login")
    response = client.post("/language", data={"language": "es", "next": "/login",
                                              "csrf_token": token},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert f"{LANGUAGE_COOKIE}=es" in response.headers["Set-Cookie"]
    html = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _html_tag(html) == '<html lang="es" dir="ltr">'


def test_the_switcher_refuses_a_language_outside_the_six_and_a_foreign_next(client,
                                                                            csrf_token):
    token = csrf_token("/login")
    response = client.post("/language", data={"language": "de", "csrf_token": token,
                                              "next": "https://elsewhere.example/"})
    assert response.status_code == 302
    assert "elsewhere" not in response.headers["Location"]
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")


def test_the_switcher_needs_the_csrf_token(client):
    response = client.post("/language", data={"language": "ar", "next": "/login"})
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")


def test_the_users_choice_beats_the_browser_and_the_cookie(client, speaker, login_as):
    user = speaker(language="ar")
    login_as(user)
    client.set_cookie(LANGUAGE_COOKIE, "es")
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _html_tag(html) == '<html lang="ar" dir="rtl">'


def test_choosing_a_language_on_the_account_page(client, create_user, login_as, csrf_token,
                                                 db):
    from sqlalchemy import select

    from mla.audit.models import AuditEntry
    from mla.auth.models import User

    user = create_user("caseworker")
    login_as(user)
    page = client.get("/account/language", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert 'dir="rtl" lang="ar" value="ar"' in page.get_data(as_text=True)  # named in itself
    refused = client.post("/account/language", data={"language": "zh"})
    assert refused.status_code in (400, 422)  # no CSRF token
    bad = client.post("/account/language", data={"language": "de",
                                                  "csrf_token": csrf_token("/account/language")})
    assert bad.status_code == 422
    saved = client.post("/account/language", data={"language": "zh",
                                                    "csrf_token": csrf_token("/account/language")})
    assert saved.status_code == 302
    db.session.rollback()
    assert db.session.get(User, user.id).language == "zh"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.language")
                               ).one()
    assert entry.details == {"before": None, "after": "zh"}
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _html_tag(html) == '<html lang="zh-Hans" dir="ltr">'
    # Back to the browser's language.
    client.post("/account/language", data={"language": "",
                                           "csrf_token": csrf_token("/account/language")})
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _html_tag(html) == '<html lang="fr" dir="ltr">'



def test_the_words_follow_a_language_switched_within_a_request(app_ctx):
    """The catalogue is kept for the request (mla.core.translations): a language
    forced for a notice, or chosen again after a switch (refresh), still changes the
    words, in Python and in templates, and the request's own comes back after."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, refresh
    from flask_login import login_user

    from mla.auth.models import User

    def words() -> tuple[str, str]:
        return gettext("Requests"), render_template_string("{{ _('Requests') }}")

    with app_ctx.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert words() == ("Demandes", "Demandes")
        with force_locale("ar"):
            assert words() == ("الطلبات", "الطلبات")
        assert words() == ("Demandes", "Demandes")
        # The account page's switch: the selector answers differently, refresh() asks it.
        user = User(username="switcher", display_name="S", role="caseworker", language="ar",
                    is_enabled=True)
        user.id = 1
        login_user(user)
        refresh()
        assert words() == ("الطلبات", "الطلبات")
    # The next request (its own application context, as a server gives each): its own.
    with app_ctx.app_context(), app_ctx.test_request_context("/", headers={
            "Accept-Language": "es"}):
        assert words() == ("Solicitudes", "Solicitudes")


# -- the API ----------------------------------------------------------------------------
def _in(language: str, message: str) -> str:
    from flask_babel import force_locale, gettext

    with force_locale(language):
        return gettext(message)


def test_api_error_messages_follow_accept_language_and_codes_stay(app_ctx, client,
                                                                  speaker, api_token):
    headers = api_token(speaker(language="ru"))
    english = "No request with that reference is visible to you."
    for language in ("fr", "ar", "zh"):
        with app_ctx.test_request_context():
            expected = _in(language, english)
        response = client.get("/api/v1/cases/XX-0000-00000",
                              headers={**headers, "Accept-Language": language})
        assert response.status_code == 404
        body = response.get_json()["error"]
        assert body["code"] == "not_found"
        assert body["message"] == expected
    # Without the header, the token owner's language.
    response = client.get("/api/v1/cases/XX-0000-00000", headers=headers)
    with app_ctx.test_request_context():
        assert response.get_json()["error"]["message"] == _in("ru", english)
    anonymous = client.get("/api/v1/cases", headers={"Accept-Language": "es"})
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthorized"


def test_an_unknown_api_path_answers_in_the_readers_words_not_werkzeugs(client):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    body = response.get_json()["error"]
    assert response.status_code == 404 and body["code"] == "not_found"
    assert body["message"] == "Not found."


# -- notices and e-mails ----------------------------------------------------------------
def test_each_recipient_reads_a_notice_in_their_own_language(app_ctx, speaker):
    from flask_babel import get_locale

    from mla.notifications.services import notify_users

    french = speaker(language="fr", email="fr@example.org")
    chinese = speaker(language="zh", email="zh@example.org")
    nobody_chose = speaker(email="en@example.org")
    rows: list[dict] = []
    notify_users([french, chinese, nobody_chose], "test", lambda: f"subject {get_locale()}",
                 lambda: f"body {get_locale()}", sink=rows)
    by_address = {row["to_address"]: row for row in rows if row["channel"] == "email"}
    assert by_address["fr@example.org"]["subject"] == "subject fr"
    assert by_address["zh@example.org"]["body"] == "body zh"
    assert by_address["en@example.org"]["subject"] == "subject en"  # the instance default
    in_app = {row["user_id"]: row["subject"] for row in rows if row["channel"] == "in_app"}
    assert in_app[french.id] == "subject fr"
    assert str(get_locale()) == "en"  # the job's own language is left as it was


def test_the_right_to_left_build_is_the_same_bootstrap_as_the_left_to_right_one():
    vendor = ROOT / "mla" / "static" / "vendor" / "bootstrap"
    versions = {re.search(r"Bootstrap\s+v(\d+\.\d+\.\d+)", (vendor / name).read_text(
        encoding="utf-8")[:300]).group(1) for name in ("bootstrap.min.css",
                                                       "bootstrap.rtl.min.css")}
    assert len(versions) == 1, versions


def test_a_scheduled_reminder_reaches_each_reader_in_their_language(make_case, speaker, db,
                                                                    monkeypatch):
    """The real path: the scheduler's scan writes the reminder once per recipient, in the
    recipient's language, with the due date in that language's form (a French date even
    while the catalogue lacks a message)."""
    from datetime import UTC, datetime

    from flask import current_app
    from flask_babel import force_locale, gettext
    from sqlalchemy import select

    from mla.core import clock
    from mla.core.display import due, due_in
    from mla.core.transaction import unit_of_work
    from mla.deadlines.models import Deadline
    from mla.deadlines.reminders import scan_deadlines
    from mla.deadlines.services import start_deadline
    from mla.notifications.models import OutboxMessage

    worker = speaker(language="fr", email="fr@example.org")
    case = make_case(worker, kind="mla", legal_basis="UNTOC", measures=[],
                     assignee_id=worker.id)
    monkeypatch.setattr(clock, "real_now", lambda: datetime(2026, 3, 2, 9, tzinfo=UTC))
    with unit_of_work():
        start_deadline(case, "sla_decision", actor="t")
    monkeypatch.setattr(clock, "real_now", lambda: datetime(2026, 3, 27, 9, tzinfo=UTC))
    scan_deadlines()
    deadline = db.session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == "sla_decision")).one()
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "email", OutboxMessage.case_id == case.id)).all()
    assert mail, "no reminder was written"
    with current_app.test_request_context(), force_locale("fr"):
        opening = due_in(3)
        due_line = gettext("Due: %(when)s", when=due(deadline.due_at, deadline.zone_name))
    assert all(m.subject.startswith(opening) for m in mail), [m.subject for m in mail]
    assert any(due_line in m.body for m in mail), [m.body for m in mail]
    assert "30 mars 2026" in due_line


# -- pages the translators found in English (issue 19) ---------------------------------
def _paragraphs(html: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>|<p>(.*?)</p>", html)


@pytest.mark.parametrize("how", ["accept-language", "cookie", "account"])
def test_an_error_page_speaks_the_readers_language(app_ctx, client, speaker, login_as, how):
    """The 404 page's title and the view's message, whoever chose the language where."""
    headers = {"Accept-Language": "fr"} if how == "accept-language" else {}
    if how == "cookie":
        client.set_cookie(LANGUAGE_COOKIE, "fr")
    login_as(speaker(language="fr" if how == "account" else None))
    response = client.get("/requests/XX-0000-00000", headers=headers)
    html = response.get_data(as_text=True)
    with app_ctx.test_request_context():
        title = _in("fr", "Not found")
        message = _in("fr", "No request with that reference is visible to you.")
    assert response.status_code == 404 and _html_tag(html) == '<html lang="fr" dir="ltr">'
    assert title != "Not found" and message.startswith("Aucune")
    assert f"404 — {title}</h1>" in html and f"<p>{message}</p>" in html
    unknown = client.get("/no-such-page", headers=headers).get_data(as_text=True)
    assert f"404 — {title}</h1>" in unknown and "Back to the start page" not in unknown


def test_the_role_badge_names_the_role_in_the_readers_words(app_ctx, client, speaker,
                                                           login_as):
    from mla.core.display import ROLE_NAMES, role_name

    login_as(speaker(role="caseworker", language="fr"))
    with app_ctx.test_request_context():
        expected = _in("fr", "Caseworker")
        assert role_name("caseworker") == "Caseworker" and set(ROLE_NAMES) >= {
            "admin", "supervisor", "caseworker", "prosecutor", "trainee", "auditor"}
    for path in ("/", "/no-such-page"):  # a page and an error page alike
        html = client.get(path).get_data(as_text=True)
        badge = re.search(r'<span class="badge text-bg-light">([^<]*)</span>', html)
        assert badge and badge.group(1) == expected, path
    # The list of users names roles the same way (it showed the raw code).
    login_as(speaker(role="admin", language="fr"))
    users = client.get("/admin/users").get_data(as_text=True)
    assert f"<td>{expected}</td>" in users and "<td>caseworker</td>" not in users


def test_the_rules_page_names_letters_and_keeps_citations_official(app_ctx, client,
                                                                  speaker, login_as):
    from mla.deadlines.rules import load_rules
    from mla.notifications.letters import LETTER_NAMES, known_letter_templates, letter_name

    assert set(LETTER_NAMES) == set(known_letter_templates())  # every letter has a name
    login_as(speaker(role="admin", language="fr"))
    html = client.get("/deadlines/rules").get_data(as_text=True)
    with app_ctx.test_request_context():
        assert letter_name("no_such_letter") == "No such letter"
        with_letters = {rule.counterpart_letter for rule in load_rules().values()
                        if rule.counterpart_letter}
        assert "formal_request_reminder" in with_letters
        for code in with_letters:
            assert f">{code}:" not in html and f"{code}: " not in html
        from flask_babel import force_locale
        with force_locale("fr"):
            assert str(escape(letter_name("formal_request_reminder"))) in html
    citation = next(rule.citation for rule in load_rules().values())
    assert f'<cite lang="en" dir="ltr">{citation}</cite>' in html.replace("&#39;", "'")


def test_the_footer_says_the_language_in_one_message(app_ctx, client, speaker, login_as):
    """"Language: %(name)s" as one message, so French can put its space before the
    colon and Chinese its full-width colon; no glyph the system fonts lack."""
    login_as(speaker(language="zh"))
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index("<footer"):]
    with app_ctx.test_request_context():
        expected = _in("zh", "Language: %(name)s") % {"name": "中文（简体）"}
    assert f'class="language-link">{expected}</a>' in footer
    assert not re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", footer)


def _outbox_for(db, user) -> list:
    from sqlalchemy import select

    from mla.notifications.models import OutboxMessage

    db.session.flush()
    return db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == user.id, OutboxMessage.channel == "in_app")).all()


def test_the_duty_reminder_reaches_each_assignee_in_their_language(app_ctx, make_case,
                                                                   speaker, db):
    from flask_babel import force_locale

    from mla.deadlines.hooks import remind_duty_effect
    from mla.deadlines.rules import get_rule
    from mla.workflow.hooks import TransitionContext

    actor = speaker(role="supervisor", language="ru")
    worker = speaker(language="fr")
    case = make_case(actor, assignee_id=worker.id)
    with app_ctx.test_request_context(), force_locale("ru"):  # the actor's request
        remind_duty_effect(TransitionContext(case=case, actor=actor, transition=None,
                                             comment="x"), "eaw_decision")
    [notice] = _outbox_for(db, worker)
    with app_ctx.test_request_context(), force_locale("fr"):
        rule = get_rule("eaw_decision")
        subject = _in("fr", "%(reference)s: %(duty)s") % {
            "reference": case.reference, "duty": rule.title_text}
        duty = _in("fr", "To do: %(duty)s") % {"duty": rule.overrun_duty_text}
    assert notice.subject == subject
    assert notice.body.startswith(duty)


def test_a_letter_to_approve_is_announced_in_each_approvers_language(app_ctx, make_case,
                                                                     speaker, db):
    from flask_babel import force_locale

    from mla.notifications.letters import draft_letter

    drafter = speaker(language="ru")
    approver = speaker(role="supervisor", language="zh")
    case = make_case(drafter, assignee_id=drafter.id)
    with app_ctx.test_request_context(), force_locale("ru"):
        letter = draft_letter(case, "status_inquiry", actor=drafter)
    [notice] = _outbox_for(db, approver)
    with app_ctx.test_request_context():
        subject = _in("zh", "Letter to approve: %(subject)s") % {"subject": letter.subject}
        body = _in("zh", "%(drafter)s drafted a letter to the counterpart; a second person "
                         "approves it before it is sent.") % {"drafter": drafter.display_name}
    assert subject != f"Letter to approve: {letter.subject}"  # the catalogue has it
    assert notice.subject == subject and notice.body == body
