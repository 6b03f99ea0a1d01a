"""The trainer gives a trainee, or themself, a new password (shown once); `make sandbox`
keeps the trainer's password in a file instead of printing it only once."""

from __future__ import annotations

import re
import stat


def test_the_trainer_resets_a_trainees_and_their_own_password(db, trainer, create_user,
                                                               client, login_as, csrf_token):
    from mla.auth.passwords import verify_password

    amira = create_user("trainee", username="amira", display_name="Amira Haddad")
    login_as(trainer)
    token = csrf_token("/sandbox/progress")
    page = client.post(f"/sandbox/trainees/{amira.id}/password", data={"csrf_token": token})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="new-password">([^<]+)<', page.get_data(as_text=True)).group(1)
    db.session.expire_all()
    assert verify_password(amira.password_hash, password)
    # Not a trainee's: another trainer's password is not theirs to reset.
    other = create_user("supervisor", username="other")
    assert client.post(f"/sandbox/trainees/{other.id}/password",
                       data={"csrf_token": token}).status_code == 404
    own = client.post("/sandbox/password", data={"csrf_token": token})
    mine = re.search(r'id="new-password">([^<]+)<', own.get_data(as_text=True)).group(1)
    db.session.expire_all()
    assert verify_password(trainer.password_hash, mine)
    # A trainee cannot reset anyone's.
    login_as(amira, password)  # her new one
    assert client.post(f"/sandbox/trainees/{amira.id}/password",
                       data={"csrf_token": token}).status_code in (302, 400, 403)


def test_the_trainers_password_is_kept_where_make_sandbox_says(runner, db, tmp_path):
    from mla.auth.passwords import verify_password
    from mla.auth.services import get_user_by_username

    keep = tmp_path / "trainer-password"
    first = runner.invoke(args=["sandbox", "load", "first-week", "--if-empty",
                                "--trainer", "coach", "--password-file", str(keep)])
    assert first.exit_code == 0, first.output
    username, password = keep.read_text(encoding="utf-8").split()
    assert username == "coach" and f"kept in {keep}" in first.output
    assert stat.S_IMODE(keep.stat().st_mode) == 0o600
    assert verify_password(get_user_by_username("coach").password_hash, password)
    again = runner.invoke(args=["sandbox", "load", "first-week", "--if-empty",
                                "--trainer", "coach", "--password-file", str(keep)])
    assert f"it is kept in {keep}" in again.output
    reset = runner.invoke(args=["sandbox", "trainer", "coach", "--reset-password",
                                "--password-file", str(keep)])
    assert reset.exit_code == 0
    assert keep.read_text(encoding="utf-8").split()[1] != password
