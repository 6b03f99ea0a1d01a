"""Reference data: who is party to what, reservations, bilateral treaties, national
settings; admins edit them on audited pages, everyone else reads them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.core.errors import ServiceError
from mla.treaties.models import Ratification
from mla.treaties.services import (
    TreatyInput,
    both_parties,
    national_settings,
    save_treaty,
    set_national_settings,
    set_ratification,
)


def test_ratification_in_force_only_from_its_date(db):
    set_ratification("test", "FR", "ECE_AP3", in_force_on=date(2026, 6, 1))
    set_ratification("test", "XZ", "ECE_AP3")
    assert not both_parties("XZ", "FR", "ECE_AP3", on=date(2026, 5, 31))
    assert both_parties("XZ", "FR", "ECE_AP3", on=date(2026, 6, 1))


def test_treaty_needs_two_different_parties(db):
    with pytest.raises(ServiceError) as caught:
        save_treaty("test", TreatyInput(name="Self", party_a="FR", party_b="FR"))
    assert caught.value.details == {"field": "party_b"}


def test_national_settings_have_a_documented_default_and_are_audited(db):
    assert national_settings("XZ").provisional_arrest_days == 60
    set_national_settings("test", "XZ", provisional_arrest_days=30)
    assert national_settings("XZ").provisional_arrest_days == 30
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "treaties.national_settings")).one()
    with pytest.raises(ServiceError) as caught:
        set_national_settings("test", "XZ", provisional_arrest_days=0)
    assert caught.value.details == {"field": "provisional_arrest_days"}


# --- admin pages ----------------------------------------------------------------------

def _token(html: str, prefix: str) -> str:
    match = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


def test_admin_records_a_ratification_audited_and_others_only_read(
        client, login_as, create_user, db):
    login_as(create_user("admin"))
    page = client.get("/reference/parties/FR")
    assert page.status_code == 200
    token = _token(page.get_data(as_text=True), "r")
    done = client.post("/reference/parties/FR", data={
        "action": "ratification", "r-csrf_token": token, "r-instrument": "ECE_AP3",
        "r-in_force_on": "2012-05-01", "r-source": "CETS 209 chart of signatures"})
    assert done.status_code == 302
    row = db.session.scalars(select(Ratification).where(Ratification.country_code == "FR")).one()
    assert (row.instrument, row.in_force_on) == ("ECE_AP3", date(2012, 5, 1))
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "treaties.ratification_set")).one()
    listing = client.get("/reference/parties").get_data(as_text=True)
    assert "France" in listing
    login_as(create_user("caseworker"))
    assert client.get("/reference/parties/FR").status_code == 200
    refused = client.post("/reference/parties/FR", data={
        "action": "ratification", "r-csrf_token": token, "r-instrument": "ECE"})
    assert refused.status_code in (400, 403)


def test_admin_saves_a_treaty_with_errors_next_to_the_field(client, login_as, create_user, db):
    login_as(create_user("admin"))
    page = client.get("/reference/treaties/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    bad = client.post("/reference/treaties/new", data={
        "csrf_token": token, "name": "Treaty", "kind": "extradition", "party_a": "FR",
        "party_b": "FR", "provisional_arrest_days": "60"})
    assert bad.status_code == 422 and "invalid-feedback" in bad.get_data(as_text=True)
    good = client.post("/reference/treaties/new", data={
        "csrf_token": token, "name": "Treaty XZ-FR", "kind": "extradition", "party_a": "XZ",
        "party_b": "FR", "provisional_arrest_days": "45", "is_active": "y"})
    assert good.status_code == 302
    assert "Treaty XZ-FR" in client.get("/reference/treaties").get_data(as_text=True)
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "treaties.treaty_created")).one()
