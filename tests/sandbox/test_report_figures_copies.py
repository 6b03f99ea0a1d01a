"""A trainee's report figures kept ready (scope ``user:<id>``) counted their copy's
requests: a reset or a new copy drops them, so the Reports page computes them again
over the copy they now work on instead of serving the old one's for up to 15 minutes."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import func, select

from mla.reports.filters import ReportFilters
from mla.reports.ready import ReportFigures, figures


@pytest.fixture
def kept(app, monkeypatch):
    settings = app.extensions["mla.settings"]
    monkeypatch.setitem(app.extensions, "mla.settings",
                        dataclasses.replace(settings, report_figures_max_age=900))


def _keep_figures(app, db, user) -> str:
    with app.test_request_context():
        figures(user, "workload", ReportFilters(start_on=date(2025, 1, 1),
                                                end_on=date(2026, 12, 31)))
    db.session.commit()
    scope = f"user:{user.id}"
    assert _kept(db, scope) == 1
    return scope


def _kept(db, scope: str) -> int:
    return db.session.scalar(select(func.count()).select_from(ReportFigures)
                             .where(ReportFigures.scope_key == scope))


def test_resetting_a_trainee_drops_their_team_figures(app, db, loaded, create_user, trainer,
                                                      kept):
    from mla.sandbox.scenario import reset_trainee, team_up

    loaded()
    amira, bruno, chloe = (create_user("trainee") for _ in range(3))
    team_up(trainer, bruno, amira)
    db.session.commit()
    scopes = [_keep_figures(app, db, u) for u in (amira, bruno, chloe)]
    reset_trainee(trainer, amira)
    db.session.commit()
    assert [_kept(db, s) for s in scopes] == [0, 0, 1]  # chloe's copy was not reset


def test_a_new_copy_drops_the_trainees_figures(app, db, loaded, create_user, trainer, kept):
    from mla.sandbox.copies import new_copy

    loaded()
    amira, bruno = create_user("trainee"), create_user("trainee")
    scopes = [_keep_figures(app, db, u) for u in (amira, bruno)]
    new_copy([amira])
    db.session.commit()
    assert [_kept(db, s) for s in scopes] == [0, 1]
