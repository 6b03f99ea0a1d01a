"""Setting the simulated clock in the trainer's own time zone, as the pages show times."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from mla.core import clock

# The first-week pack starts on 2026-03-02 at 08:00 UTC: winter in Paris (CET, UTC+1) and in
# New York (EST, UTC-5). Paris goes forward on 29 March (02:00 -> 03:00) and back on
# 25 October (03:00 -> 02:00).


@pytest.fixture(autouse=True)
def _still(real_time_stands_still):
    """The machine's clock held still: the simulated clock reads exactly what was set."""


@pytest.fixture
def paris_trainer(db, trainer):
    trainer.time_zone = "Europe/Paris"
    db.session.commit()
    return trainer


def _set(client, csrf_token, target: str):
    token = csrf_token("/sandbox/")
    return client.post("/sandbox/clock/set", data={"target": target, "csrf_token": token})


def _target_error(html: str) -> str | None:
    match = re.search(r'<div id="target-error" class="invalid-feedback">([^<]*)</div>', html)
    return match.group(1) if match else None


def test_a_paris_trainer_sets_nine_oclock_local_which_is_eight_utc_in_winter(
        client, paris_trainer, login_as, csrf_token, loaded):
    loaded()
    login_as(paris_trainer)
    response = _set(client, csrf_token, "2026-03-03T09:00")
    assert response.status_code == 302, _target_error(response.get_data(as_text=True))
    assert clock.now() == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_the_form_names_the_zone_and_reads_the_simulated_now_in_it(
        client, paris_trainer, login_as, loaded):
    loaded()
    login_as(paris_trainer)
    html = client.get("/sandbox/").get_data(as_text=True)
    field = re.search(r'<input [^>]*id="target"[^>]*>', html)
    assert field and 'value="2026-03-02T09:00"' in field.group(0)
    assert '<label class="form-label" for="target">Simulated date and time (CET)</label>' in html
    help_text = re.search(r'<div id="target-help" class="form-text">([^<]*)</div>', html)
    assert help_text and "France — Paris (GMT+01:00)" in help_text.group(1)
    assert "(UTC)" not in html


def test_a_trainer_without_a_zone_uses_the_instances(client, db, trainer, login_as,
                                                      csrf_token, loaded):
    from mla.deadlines.services import set_time_zone

    loaded()
    set_time_zone("test", "XZ", "America/New_York")
    db.session.commit()
    assert trainer.time_zone is None
    login_as(trainer)
    html = client.get("/sandbox/").get_data(as_text=True)
    assert 'value="2026-03-02T03:00"' in html
    assert "Simulated date and time (EST)" in html
    assert _set(client, csrf_token, "2026-03-03T09:00").status_code == 302
    assert clock.now() == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


def test_input_that_is_no_date_is_refused_next_to_the_field(client, db, paris_trainer, login_as,
                                                          csrf_token, loaded):
    loaded()
    login_as(paris_trainer)
    before = clock.now()
    db.session.commit()
    response = _set(client, csrf_token, "next tuesday")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _target_error(html)
    assert 'aria-describedby="target-help target-error"' in html
    assert 'value="next tuesday"' in html  # what was typed stays, to be corrected
    db.session.commit()  # read the stored clock afresh
    assert clock.now() == before


def test_a_time_the_zone_skips_is_refused_next_to_the_field(client, paris_trainer, login_as,
                                                          csrf_token, loaded):
    loaded()
    login_as(paris_trainer)
    response = _set(client, csrf_token, "2026-03-29T02:30")
    assert response.status_code == 422
    assert "skips this time" in (_target_error(response.get_data(as_text=True)) or "")
    assert clock.now() < datetime(2026, 3, 29, tzinfo=UTC)


def test_a_time_the_zone_shows_twice_is_its_first_occurrence(client, paris_trainer, login_as,
                                                             csrf_token, loaded):
    loaded()
    login_as(paris_trainer)
    assert _set(client, csrf_token, "2026-10-25T02:30").status_code == 302
    # 02:30 CEST (UTC+2), not the 02:30 CET an hour later.
    assert clock.now() == datetime(2026, 10, 25, 0, 30,
                                                                    tzinfo=UTC)


def test_a_summer_time_is_read_on_the_summer_offset(client, paris_trainer, login_as,
                                                    csrf_token, loaded):
    loaded()
    login_as(paris_trainer)
    assert _set(client, csrf_token, "2026-07-01T09:00").status_code == 302
    assert clock.now() == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def home_zone_is(db):
    """The home state's day counted in a given zone (its deadlines' setting), reset after."""
    from mla.deadlines.services import set_time_zone

    def set_zone(name: str) -> None:
        set_time_zone("test", "XZ", name)
        db.session.commit()

    yield set_zone
    set_time_zone("test", "XZ", None)
    db.session.commit()


def test_the_clock_command_reads_the_simulated_time_in_the_home_zone_with_utc_beside(
        runner, loaded, home_zone_is):
    loaded()
    home_zone_is("Europe/Paris")
    result = runner.invoke(args=["sandbox", "clock"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Simulated time: 2026-03-02 09:00 CET (08:00 UTC)"


def test_the_clock_command_names_the_utc_day_when_the_home_day_differs(
        runner, loaded, home_zone_is):
    loaded()
    home_zone_is("America/New_York")
    result = runner.invoke(args=["sandbox", "clock", "--hours", "20"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == \
        "Simulated time: 2026-03-02 23:00 EST (2026-03-03 04:00 UTC)"


def test_the_clock_command_names_a_zone_without_an_abbreviation_by_its_iana_name(
        runner, loaded, home_zone_is):
    loaded()
    home_zone_is("America/Bogota")
    result = runner.invoke(args=["sandbox", "clock"])
    assert result.output.strip() == "Simulated time: 2026-03-02 03:00 America/Bogota (08:00 UTC)"


def test_the_clock_command_in_utc_names_it_once(runner, loaded):
    loaded()
    result = runner.invoke(args=["sandbox", "clock"])
    assert result.output.strip() == "Simulated time: 2026-03-02 08:00 UTC"
