"""Class accounts in one step: all or nothing, passwords shown once, never stored in clear."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

GOOD = ("username,display_name,role\namira,Amira Haddad,\nbruno,Bruno Keller,trainee\n"
        "cleo,Cleo Marsh,caseworker\n")


def _users(db) -> dict[str, object]:
    from mla.auth.models import User

    return {u.username: u for u in db.session.scalars(select(User))}


def test_upload_creates_the_class_and_shows_passwords_once(client, db, trainer, login_as,
                                                           csrf_token):
    from mla.auth.passwords import verify_password

    login_as(trainer)
    token = csrf_token("/sandbox/class")
    page = client.post("/sandbox/class", data={"text": GOOD, "csrf_token": token})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    rows = re.findall(r"<tr><td>([a-z]+)</td><td>[^<]+</td><td>(\w+)</td><td><code>([^<]+)</code>",
                      html)
    # The role in the reader's words (core.display.role_name): "Trainee".
    assert [(u, r) for u, r, _ in rows] == [("amira", "Trainee"), ("bruno", "Trainee"),
                                            ("cleo", "Caseworker")]
    users = _users(db)
    for username, _role, password in rows:
        stored = users[username].password_hash
        assert password not in stored and stored.startswith("$argon2id$")
        assert verify_password(stored, password)

    link = re.search(r'href="(/sandbox/class/[^"]+\.csv)"', html).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    listed = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [(r["username"], r["password"]) for r in listed] == [(u, p) for u, _r, p in rows]
    assert client.get(link).status_code == 404  # once only

    from mla.sandbox.models import ClassBatch

    batch = db.session.scalar(select(ClassBatch))
    assert batch.payload_enc is None and batch.downloaded_at is not None


def test_the_sealed_list_is_not_readable_in_the_database(db, trainer):
    from mla.sandbox.models import ClassBatch
    from mla.sandbox.services import create_class_accounts

    accounts, _token = create_class_accounts(trainer, GOOD)
    db.session.commit()
    blob = db.session.scalar(select(ClassBatch.payload_enc))
    assert blob and accounts[0].password.encode() not in blob
    assert b"amira" not in blob


def test_bad_lines_are_named_and_nothing_is_created(client, db, trainer, login_as, csrf_token,
                                                   create_user):
    create_user("trainee", username="taken")
    login_as(trainer)
    before = db.session.scalar(select(func.count()).select_from(_user_model()))
    text = ("username,display_name,role\n"
            "amira,Amira Haddad,\n"
            "bad name,Someone,\n"
            "taken,Already There,\n"
            "dora,Dora,admin\n"
            "amira,Amira Again,\n"
            "erin,,\n")
    token = csrf_token("/sandbox/class")
    page = client.post("/sandbox/class", data={"text": text, "csrf_token": token})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    for line in (3, 4, 5, 6, 7):
        assert f"Line {line}:" in html, line
    assert "Line 2:" not in html
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(_user_model())) == before


def test_a_wrong_header_is_refused(db, trainer):
    import pytest

    from mla.sandbox.services import ClassFileError, create_class_accounts

    with pytest.raises(ClassFileError, match="No account"):
        create_class_accounts(trainer, "name,role\namira,trainee\n")


def test_cli_creates_a_class(runner, db, tmp_path):
    path = tmp_path / "class.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["sandbox", "class", str(path)])
    assert result.exit_code == 0, result.output
    assert "amira,Amira Haddad,trainee," in result.output
    db.session.rollback()
    assert {"amira", "bruno", "cleo"} <= set(_users(db))
    again = runner.invoke(args=["sandbox", "class", str(path)])
    assert again.exit_code != 0 and "Line 2" in again.output


def _user_model():
    from mla.auth.models import User

    return User


def test_the_class_list_works_with_or_without_a_header_line(db, trainer):
    from mla.sandbox.services import ClassFileError, parse_class_list

    with_header = parse_class_list("username,display_name\ncleo,Cleo Marsh\n")
    without = parse_class_list("cleo,Cleo Marsh\ndario,Dario Neri,caseworker\n")
    assert [(m.username, m.display_name, m.role) for m in with_header] == [
        ("cleo", "Cleo Marsh", "trainee")]
    assert [(m.username, m.role) for m in without] == [("cleo", "trainee"),
                                                       ("dario", "caseworker")]
    # Without a header, the lines are counted from 1.
    with pytest.raises(ClassFileError) as caught:
        parse_class_list("cleo,Cleo Marsh\nbad name!,Someone\n")
    assert any(e.startswith("Line 2:") for e in caught.value.errors)
