"""The custody board: every person in custody, the next limit, urgency in words and
colour, the ECE day-18 milestone when near, visibility, and the consultation audited."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.cases.services import PersonInput
from mla.core.transaction import unit_of_work
from mla.deadlines.services import start_deadline
from mla.directory.models import Authority
from tests.deadlines.conftest import utc


def _held(make_case, worker, name, arrested_on, **kw):
    case = make_case(worker, kind="extradition", legal_basis="ECE", counterpart_country="FR",
                     measures=[], persons=[PersonInput(role="suspect", full_name=name,
                                                       is_in_custody=True)], **kw)
    with unit_of_work():
        start_deadline(case, "ece_provisional_arrest", actor="t", at=utc(2026, 3, 1, 8),
                       values={"arrested_on": arrested_on})
    return case


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr.*?</tr>", body, re.S)


def test_board_lists_people_in_custody_by_time_left_with_urgency_in_words(
        make_case, create_user, login_as, client, set_now):
    worker = create_user("caseworker")
    later = _held(make_case, worker, "Ana Later", date(2026, 3, 1))    # due 10 April
    sooner = _held(make_case, worker, "Bo Sooner", date(2026, 2, 5))   # due 17 March
    missed = _held(make_case, worker, "Cy Missed", date(2026, 1, 10))  # due 19 February
    make_case(worker, persons=[PersonInput(role="witness", full_name="Free Witness")])
    set_now(utc(2026, 3, 15, 10))
    login_as(worker)
    html = client.get("/custody").get_data(as_text=True)
    rows = _rows(html)
    assert [next(n for n in ("Cy Missed", "Bo Sooner", "Ana Later") if n in r) for r in rows] \
        == ["Cy Missed", "Bo Sooner", "Ana Later"]
    assert "Free Witness" not in html
    assert "Limit missed" in rows[0] and "urgency-missed" in rows[0]
    assert "Due within 3 days" in rows[1] and "2 days left" in rows[1]
    assert "Running" in rows[2] and "26 days left" in rows[2]
    assert all(c.reference in html for c in (later, sooner, missed))
    assert "Formal extradition request after provisional arrest (ECE)" in rows[0]


def test_day_18_milestone_shows_only_when_near(make_case, create_user, login_as, client, set_now):
    worker = create_user("caseworker")
    _held(make_case, worker, "Di Held", date(2026, 3, 1))  # day 18 = 19 March
    login_as(worker)
    set_now(utc(2026, 3, 5, 10))
    assert "Day 18" not in client.get("/custody").get_data(as_text=True)
    set_now(utc(2026, 3, 16, 10))
    near = client.get("/custody").get_data(as_text=True)
    assert "Day 18:" in near and "milestone-near" in near
    set_now(utc(2026, 3, 25, 10))
    assert "Day 18 passed on" in client.get("/custody").get_data(as_text=True)


def test_prosecutor_sees_only_their_authoritys_custody(make_case, create_user, login_as,
                                                        client, db, set_now):
    ours, theirs = Authority(name="Office A", country_code="XZ", kind="prosecution"), \
        Authority(name="Office B", country_code="XZ", kind="prosecution")
    db.session.add_all([ours, theirs])
    db.session.commit()
    worker = create_user("caseworker")
    _held(make_case, worker, "Mine Held", date(2026, 3, 1), domestic_authority_id=ours.id)
    _held(make_case, worker, "Theirs Held", date(2026, 3, 1), domestic_authority_id=theirs.id)
    set_now(utc(2026, 3, 5, 10))
    login_as(create_user("prosecutor", authority_id=ours.id))
    html = client.get("/custody").get_data(as_text=True)
    assert "Mine Held" in html and "Theirs Held" not in html


def test_showing_names_records_a_consultation_per_request(make_case, create_user, login_as,
                                                          client, db, set_now):
    worker = create_user("caseworker")
    case = _held(make_case, worker, "Ed Held", date(2026, 3, 1))
    set_now(utc(2026, 3, 5, 10))
    login_as(worker)
    client.get("/")  # the home panel shows references only: no names, no consultation
    reads = select(AuditEntry).where(AuditEntry.action == "case.read",
                                     AuditEntry.object_id == case.reference)
    assert db.session.scalars(reads).all() == []
    client.get("/custody")
    entry = db.session.scalars(reads).one()
    assert entry.actor_id == worker.id and entry.details["channel"] == "web"


def test_home_page_puts_custody_first(make_case, create_user, login_as, client, set_now):
    worker = create_user("caseworker")
    case = _held(make_case, worker, "Fa Held", date(2026, 3, 1))
    set_now(utc(2026, 4, 3, 10))  # 7 days left
    login_as(worker)
    html = client.get("/").get_data(as_text=True)
    custody = html.index('id="h-custody"')
    assert custody < html.index('id="h-due"')
    assert all(custody < m.start() for m in re.finditer(r'<h2[^>]*id="h-(?!custody)', html))
    panel = html[custody:html.index("</section>", custody)]
    assert case.reference in panel and "Due within 10 days" in panel and "Fa Held" not in panel
    assert 'href="/custody"' in html  # in the navigation


def test_one_day_is_singular(make_case, create_user, login_as, client, set_now):
    worker = create_user("caseworker")
    case = _held(make_case, worker, "Gi Held", date(2026, 3, 1))  # due 10 April
    set_now(utc(2026, 4, 9, 10))
    login_as(worker)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "1 day left" in html and "1 days" not in html


def test_board_pages_the_most_urgent_first_with_the_count_and_links(
        make_case, create_user, login_as, client, db, set_now, monkeypatch):
    monkeypatch.setattr("mla.deadlines.custody.PER_PAGE", 2)
    worker = create_user("caseworker")
    later = _held(make_case, worker, "Ana Later", date(2026, 3, 1))
    _held(make_case, worker, "Bo Sooner", date(2026, 2, 5))
    _held(make_case, worker, "Cy Missed", date(2026, 1, 10))
    set_now(utc(2026, 3, 15, 10))
    login_as(worker)
    first = client.get("/custody").get_data(as_text=True)
    assert ["Cy Missed" in r or "Bo Sooner" in r for r in _rows(first)] == [True, True]
    assert "Ana Later" not in first and "1–2 of 3" in first
    assert 'href="/custody?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/custody?page=2").get_data(as_text=True)
    assert len(_rows(second)) == 1 and "Ana Later" in second and "3–3 of 3" in second
    assert 'href="/custody?page=1"' in second and 'rel="next"' not in second
    # Past the last page: the last page. Only the names shown were consulted.
    assert "Ana Later" in client.get("/custody?page=9").get_data(as_text=True)
    reads = select(AuditEntry.object_id).where(AuditEntry.action == "case.read")
    assert db.session.scalars(reads).all().count(later.reference) == 2


def test_board_statements_do_not_grow_with_the_people_held(
        make_case, create_user, login_as, client, set_now, count_queries):
    worker = create_user("caseworker")
    _held(make_case, worker, "One Held", date(2026, 3, 1))
    set_now(utc(2026, 3, 15, 10))
    login_as(worker)

    def statements(url: str) -> int:
        """Reads: the audit entries the board writes, one per request whose names it
        shows (PostgreSQL sends them as one batch, SQLite one by one), are bounded by
        the page, and are the consultation log's to count."""
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return sum(not s.lstrip().upper().startswith("INSERT INTO AUDIT")
                   for s in counter.statements)

    few = statements("/custody"), statements("/")
    for n in range(4):
        _held(make_case, worker, f"More Held {n}", date(2026, 2, 20 + n))
    assert (statements("/custody"), statements("/")) == few
