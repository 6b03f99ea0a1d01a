"""Country and staff choices are read once per process and forgotten when their
tables change; a list page labels its rows without checking the workflow file per row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from mla.auth.models import User
from mla.cases.queries import staff_choices
from mla.reference.queries import country_choices


def reads_of(counter, table: str) -> int:
    return sum(f"FROM {table}" in s for s in counter.statements)


def test_list_page_reads_countries_and_staff_once(client, create_user, login_as,
                                                   count_queries):
    login_as(create_user("caseworker"))
    client.get("/requests/")
    with count_queries() as counter:
        assert client.get("/requests/").status_code == 200
    assert reads_of(counter, "countries") == 0
    assert "users.display_name" not in " ".join(counter.statements)


def test_a_new_country_shows_at_once(db, client, create_user, login_as):
    from mla.reference.services import ensure_fictional_country

    login_as(create_user("caseworker"))
    assert "Syldavia" not in client.get("/requests/").get_data(as_text=True)
    ensure_fictional_country("XS", "Syldavia")
    db.session.commit()
    assert ("XS", "Syldavia (XS)") in country_choices()
    assert "Syldavia (XS)" in client.get("/requests/").get_data(as_text=True)


def test_staff_changes_show_at_once_even_without_the_orm(db, create_user):
    worker = create_user("caseworker", display_name="Ada Before")
    assert (worker.id, "Ada Before") in staff_choices()
    # A bulk statement (no ORM flush) is seen too.
    db.session.execute(update(User).where(User.id == worker.id).values(display_name="Ada After"))
    db.session.commit()
    assert (worker.id, "Ada After") in staff_choices()
    db.session.execute(update(User).where(User.id == worker.id).values(is_enabled=False))
    db.session.commit()
    assert worker.id not in dict(staff_choices())


def test_state_labels_check_the_workflow_file_once_per_request(
    db, client, create_user, login_as, make_case, monkeypatch
):
    me = create_user("caseworker")
    for _ in range(3):
        make_case(actor=me)
    login_as(me)
    stats: list[str] = []
    real_stat = Path.stat

    def counting_stat(self: Path, *args, **kwargs):
        if self.suffix == ".toml" and "workflows" in self.parts:
            stats.append(self.name)
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", counting_stat)
    page = client.get("/requests/").get_data(as_text=True)
    assert page.count("Received") >= 3
    assert stats.count("incoming_mla.toml") == 1
