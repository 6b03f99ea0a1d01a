from __future__ import annotations

from sqlalchemy import select

from mla.directory.models import Authority


def _data(token: str, **overrides: str) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": token, "name": "Central Authority of Arcadia", "country_code": "XA",
        "kind": "central_authority", "email": "mla@justice.xa.example",
        "languages": "fr, en", "channels": ["central_authority", "electronic"],
        "is_active": "y",
    }
    data.update(overrides)
    return data


def test_caseworker_adds_and_edits_an_authority(client, create_user, login_as, csrf_token, db):
    login_as(create_user("caseworker"))
    token = csrf_token("/directory/new")
    assert client.post("/directory/new", data=_data(token)).status_code == 302
    authority = db.session.scalars(select(Authority)).one()
    assert authority.languages == ["fr", "en"]
    assert authority.channels == ["central_authority", "electronic"]
    response = client.post(f"/directory/{authority.id}",
                           data=_data(token, phone="+99 1 23 45", languages="fr"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Authority, authority.id).languages == ["fr"]
    html = client.get("/directory/?country=XA").get_data(as_text=True)
    assert "Central Authority of Arcadia" in html


def test_bad_input_is_shown_next_to_the_field(client, create_user, login_as, csrf_token, db):
    login_as(create_user("caseworker"))
    token = csrf_token("/directory/new")
    response = client.post("/directory/new", data=_data(token, languages="fr, zz",
                                                        email="not-an-email", name=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("languages", "email", "name"):
        assert f'id="{field}-error"' in html
    assert "Unknown language code: zz" in html
    assert db.session.scalars(select(Authority)).first() is None


def test_auditor_and_prosecutor_read_but_cannot_change(client, create_user, login_as,
                                                       csrf_token, db):
    from mla.directory.services import AuthorityInput, save_authority

    authority = save_authority("test", AuthorityInput(name="PP", country_code="XZ",
                                                      kind="prosecution"))
    db.session.commit()
    for role in ("auditor", "prosecutor"):
        login_as(create_user(role))
        assert client.get("/directory/").status_code == 200
        assert client.get(f"/directory/{authority.id}").status_code == 200
        token = csrf_token("/directory/")
        response = client.post(f"/directory/{authority.id}", data=_data(token))
        assert response.status_code == 403
        assert client.get("/directory/new").status_code == 403


def test_admin_manages_users(client, create_user, login_as, csrf_token, db):
    from mla.auth.models import User

    admin = create_user("admin")
    login_as(admin)
    token = csrf_token("/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "Pat", "display_name": "Pat Prosecutor",
        "email": "", "role": "prosecutor", "authority_id": "0",
        "password": "a long enough passphrase"})
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.scalars(select(User).where(User.username == "pat")).one()
    assert user.role == "prosecutor"

    duplicate = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "pat", "display_name": "Again", "role": "caseworker",
        "authority_id": "0", "password": "a long enough passphrase"})
    assert duplicate.status_code == 422
    assert "is taken" in duplicate.get_data(as_text=True)

    response = client.post(f"/admin/users/{user.id}", data={
        "csrf_token": token, "display_name": "Pat P.", "email": "", "role": "caseworker",
        "authority_id": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    updated = db.session.get(User, user.id)
    assert updated.role == "caseworker" and not updated.is_enabled  # checkbox left unticked

    # An admin cannot lock themselves out.
    response = client.post(f"/admin/users/{admin.id}", data={
        "csrf_token": token, "display_name": "Admin", "role": "caseworker",
        "authority_id": "0", "is_enabled": "y"})
    assert response.status_code == 422


def test_only_admins_reach_user_management(client, create_user, login_as):
    for role in ("supervisor", "caseworker", "prosecutor", "trainee", "auditor"):
        login_as(create_user(role))
        assert client.get("/admin/users").status_code == 403
