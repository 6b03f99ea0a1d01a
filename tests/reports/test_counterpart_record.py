"""The one-line record of a counterpart on an outgoing request."""

from __future__ import annotations

from mla.reports.tables import counterpart_line
from tests.reports.conftest import utc


def test_the_line_counts_earlier_requests_and_their_execution(history, register, move,
                                                              create_user, login_as):
    k = register(utc(2025, 1, 15), direction="outgoing", counterpart_country="FR")
    move(k, "transmitted", utc(2025, 2, 1), "transmit")
    move(k, "under_execution", utc(2025, 2, 20), "record_acknowledgement")
    move(k, "results_received", utc(2025, 5, 7), "record_results")  # 95 days after
    register(utc(2025, 6, 1), direction="outgoing", counterpart_country="FR",
             measures=["witness_hearing"])  # another measure: not counted
    register(utc(2025, 6, 2), counterpart_country="FR")  # incoming: not counted
    draft = register(utc(2026, 2, 1), direction="outgoing", counterpart_country="FR")
    caseworker = create_user("caseworker")
    # Earlier outgoing FR bank-records requests: I (2025-11-01, not executed) and K.
    assert counterpart_line(caseworker, draft) == (
        "France, bank records: median 95 days to execution (1 executed), "
        "2 requests since 2025.")
    page = login_as(caseworker).get(f"/requests/{draft.reference}").get_data(as_text=True)
    assert 'id="counterpart-record"' in page and "median 95 days" in page


def test_no_earlier_requests(register, create_user):
    first = register(utc(2025, 3, 1), direction="outgoing", counterpart_country="DE")
    assert counterpart_line(create_user("caseworker"), first) == (
        "Germany, bank records: no earlier requests.")


def test_none_executed_yet(history, register, create_user):
    draft = register(utc(2026, 2, 1), direction="outgoing", counterpart_country="FR")
    assert counterpart_line(create_user("caseworker"), draft) == (
        "France, bank records: none executed yet, 1 request since 2025.")


def test_not_on_incoming_requests(history, create_user, login_as):
    page = login_as(create_user("caseworker")).get(
        f"/requests/{history['A'].reference}").get_data(as_text=True)
    assert 'id="counterpart-record"' not in page
