"""How each criterion weighed in a decision between competing extradition requests (the
caseworker's words, criterion by criterion) is sealed at rest; the decision's page reads
it whole."""

from __future__ import annotations

from sqlalchemy import select

from tests.notifications.test_sealed_outbox import _stored
from tests.persons.test_persons import _extradition, _person

MARKER = b"Quarrelwood"
WEIGHED = {"seriousness": "Quarrelwood's murder in XA against a fraud in XB",
           "place": "Both in XA", "dates": "The Quarrelwood warrant from XA came first",
           "nationality": "Tamsin Quarrelwood is a national of XA",
           "re_extradition": "XA may re-extradite Quarrelwood to XB"}


def test_a_competing_decisions_criteria_are_ciphertext_and_the_page_reads_them(
        db, client, make_case, create_user, login_as, csrf_token):
    from mla.persons.models import CaseLink, CompetingDecision

    worker = create_user("caseworker")
    person = _person("Ivan Petrov", date_of_birth="1980-02-01", is_in_custody=True)
    first = _extradition(make_case, worker, person, counterpart_country="XA")
    second = _extradition(make_case, worker, person, counterpart_country="XB")
    link = db.session.scalars(select(CaseLink)).one()
    db.session.commit()
    login_as(worker)
    url = f"/requests/{second.reference}/competing/{link.id}"
    done = client.post(url, data={"csrf_token": csrf_token(url),
                                  "prevailing": first.reference, **WEIGHED,
                                  "reasons": "The offence in XA is graver."})
    assert done.status_code == 302
    db.session.commit()
    assert not any(MARKER in value for value in _stored(
        "SELECT criteria, reasons FROM competing_decisions") + _stored(
        "SELECT data, comment FROM case_events") + _stored(
        "SELECT details FROM audit_entries"))

    decision = db.session.scalars(select(CompetingDecision)).one()
    assert decision.criteria == {code: WEIGHED[code] for code in decision.criteria}
    assert decision.criteria  # the article names criteria: each is kept
    shown = client.get(url).get_data(as_text=True)
    for code in decision.criteria:
        assert WEIGHED[code].replace("'", "&#39;") in shown
