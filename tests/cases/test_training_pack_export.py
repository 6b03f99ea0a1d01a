"""An admin exports a closed request of a production instance as a training pack from
its page: a .zip of the pack skeleton, with none of the planted personal data."""

from __future__ import annotations

import io
import zipfile

from mla.audit.models import AuditEntry
from tests.conftest import _csrf_from
from tests.sandbox.test_export_pack import CANARIES, closed_case  # noqa: F401 (fixture)

BUTTON = "Export as a training pack"


def _page(client, reference: str) -> str:
    return client.get(f"/requests/{reference}").get_data(as_text=True)


def test_an_admin_downloads_a_closed_request_as_a_pack(client, login_as, create_user, db,
                                                        closed_case):  # noqa: F811
    login_as(create_user("admin"))
    page = _page(client, closed_case.reference)
    assert BUTTON in page
    url = f"/requests/{closed_case.reference}/training-pack"
    assert client.post(url).status_code == 400  # no CSRF token

    response = client.post(url, data={"csrf_token": _csrf_from(page)})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.namelist() == ["scenario.toml"]
        inside = b"".join(archive.read(name) for name in archive.namelist())
    assert b"withdraw" in inside and b"Fraud by" in inside  # the request is in it
    for what, canary in CANARIES.items():
        for form in {canary, canary.lower(), canary.upper()}:
            assert form.encode() not in inside, f"{what} leaked: {form}"
            assert form.encode() not in raw, f"{what} leaked in the zip: {form}"
    for real in (b"France", b"French"):
        assert real not in inside
    assert db.session.query(AuditEntry).filter_by(
        action="sandbox.pack_exported", object_id=closed_case.reference).count() == 1


def test_an_open_request_is_refused_with_a_message(client, login_as, create_user, make_case,
                                                   db):
    login_as(create_user("admin"))
    case = make_case()
    page = _page(client, case.reference)
    assert BUTTON not in page
    response = client.post(f"/requests/{case.reference}/training-pack",
                           data={"csrf_token": _csrf_from(page)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Only a closed request can be exported as a training pack." in \
        response.get_data(as_text=True)
    assert db.session.query(AuditEntry).filter_by(action="sandbox.pack_exported").count() == 0


def test_only_an_admin_sees_the_button(client, login_as, create_user, closed_case):  # noqa: F811
    login_as(create_user("supervisor"))
    page = _page(client, closed_case.reference)
    assert BUTTON not in page
    response = client.post(f"/requests/{closed_case.reference}/training-pack",
                           data={"csrf_token": _csrf_from(page)})
    assert response.status_code == 403
