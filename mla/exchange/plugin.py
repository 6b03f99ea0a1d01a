"""The exchange between central authorities' registration."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.exchange import cli, endpoint, hooks, models, status, transport, views

DOMAIN = Domain(
    name="exchange",
    models=(models,),
    blueprints=(views.bp, endpoint.bp),
    cli=(cli.cli,),
    # status: the exchange_transmit and exchange_status workflow effects (transport).
    hooks=(hooks, status),
    outbox_channels={transport.CHANNEL: transport.deliver_exchange},
    template_globals={"exchange_panel": views.exchange_panel},
    setup=endpoint.init_inbox_limits,
)
