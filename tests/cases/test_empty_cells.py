"""The request page's offences and persons tables write every empty value the same way:
a dash for the eye and "not given" for a screen reader (they left Statute, Conduct,
Nationality, Identifiers and Address blank and wrote a bare "—" for Max. penalty). A
value that does not decrypt is still marked unreadable, not taken for a blank."""

from __future__ import annotations

import re

from sqlalchemy import select, update

NOT_GIVEN = '<span aria-hidden="true">—</span><span class="visually-hidden">not given</span>'


def _cells(html: str, caption: str) -> list[list[str]]:
    table = re.search(r'<table class="table table-sm[^"]*">\s*<caption class="visually-hidden">'
                      + caption + r"</caption>(.*?)</table>", html, re.S)
    assert table, caption
    body = table.group(1).split("<tbody>")[1]
    return [[cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_empty_offence_and_person_values_read_not_given(client, login_as, make_case, db,
                                                        create_user):
    from mla.cases.models import Person
    from mla.cases.services import OffenceInput, PersonInput

    worker = create_user("caseworker")
    case = make_case(worker, offences=[OffenceInput(label="Fraud")], persons=[
        PersonInput(role="suspect", full_name="Jean Fictif"),
        PersonInput(role="witness", full_name="Ada Temoin", date_of_birth="1980-02-03",
                    nationality="Zemblan", identifiers="P 123", address="1 Main Street")])
    login_as(worker)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)

    [offence] = _cells(html, "Offences")
    assert offence[0] == "Fraud"
    assert offence[1:] == [NOT_GIVEN] * 4  # statute, max. penalty, ICCS, conduct
    suspect, witness = sorted(_cells(html, "Persons concerned"), key=lambda r: "Ada" in r[1])
    assert suspect[2:] == [NOT_GIVEN] * 4  # date of birth, nationality, identifiers, address
    assert NOT_GIVEN not in "".join(witness)
    assert witness[3:] == ["Zemblan", "P 123", "1 Main Street"]

    # An address that no longer decrypts is flagged, never shown as "not given".
    person = db.session.scalar(select(Person).where(Person.case_id == case.id,
                                                    Person.role == "witness"))
    blob = bytearray(person.address_enc)
    blob[-1] ^= 0x01
    db.session.execute(update(Person).where(Person.id == person.id).values(address_enc=bytes(blob)))
    db.session.commit()
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    witness = next(r for r in _cells(html, "Persons concerned") if "Ada" in r[1])
    assert "data-unreadable" in witness[5]


def test_the_offence_values_given_are_shown(client, login_as, make_case, create_user):
    worker = create_user("caseworker")
    case = make_case(worker)
    login_as(worker)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    [offence] = _cells(html, "Offences")
    assert offence[1] == "PC 210" and "60 months" in offence[2] and "False invoices" in offence[4]
    assert NOT_GIVEN not in "".join(offence)
