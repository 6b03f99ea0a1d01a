"""Notifications' registration: notify/letter effects, the outbox and its dispatch."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from mla.core.plugins import USER_MENU, Domain, Job, NavEntry, Tick
from mla.notifications import hooks, models, views
from mla.notifications.dispatcher import DispatchReport, deliver_email, deliver_in_app, dispatch_due
from mla.notifications.letters import letter_name


def _dispatch(tick: Tick) -> Mapping[str, int]:
    report = dispatch_due(lease=tick.lease)
    return {"delivered": report.delivered, "retried": report.retried, "dead": report.dead}


def _in_app(token: str, ids: list[int], report: DispatchReport) -> None:
    report.in_app += deliver_in_app(token, ids, report)


DOMAIN = Domain(
    name="notifications",
    models=(models,),
    blueprints=(views.bp,),
    hooks=(hooks,),
    nav=(
        NavEntry("notifications.letters", _l("Letters"), 60),
        NavEntry("notifications.mailbox", _l("Mail outbox"), 40, menu="administration"),
        NavEntry("notifications.dead_letters", _l("Undeliverable messages"), 50,
                 menu="administration"),
        NavEntry("notifications.letter_settings", _l("Who approves letters"), 55,
                 menu="administration"),
        NavEntry("notifications.index", _l("Notifications"), 10, menu=USER_MENU),
    ),
    jobs=(Job("notifications.dispatch", 30, _dispatch),),
    outbox_channels={"in_app": _in_app, "email": deliver_email},
    template_globals={"letter_name": letter_name},
)
