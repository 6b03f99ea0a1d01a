"""A ciphertext changed in the database: the request page still opens, marks the
field it cannot read, and admins are told once (not on every page view)."""

from __future__ import annotations

from sqlalchemy import select, update


def test_a_tampered_name_is_marked_and_reported_once(client, create_user, login_as,
                                                       make_case, db):
    from mla.cases.models import Person
    from mla.cases.services import PersonInput
    from mla.notifications.models import OutboxMessage

    admin = create_user("admin")
    worker = create_user("caseworker")
    case = make_case(worker, persons=[
        PersonInput(role="suspect", full_name="Jean Fictif", nationality="Zemblan"),
        PersonInput(role="witness", full_name="Ada Temoin")])
    person = db.session.scalar(select(Person).where(Person.case_id == case.id,
                                                        Person.role == "suspect"))
    blob = bytearray(person.full_name_enc)
    blob[-1] ^= 0x01  # one bit of the authentication tag
    db.session.execute(update(Person).where(Person.id == person.id)
                       .values(full_name_enc=bytes(blob)))
    db.session.commit()

    login_as(worker)
    for _view in range(2):
        page = client.get(f"/requests/{case.reference}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Ada Temoin" in html and "Zemblan" in html  # the rest still shows
        assert "data-unreadable" in html

    alerts = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == admin.id, OutboxMessage.channel == "in_app")).all()
    assert len(alerts) == 1
    assert case.reference in alerts[0].subject
    assert "Jean" not in alerts[0].body
