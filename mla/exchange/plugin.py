"""The exchange between central authorities' registration."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.exchange import cli, endpoint, hooks, models, status, transport, views
from mla.exchange.identity import readable_fingerprint
from mla.exchange.package import refusal_label
from mla.exchange.services import counterpart_of_authority

DOMAIN = Domain(
    name="exchange",
    models=(models,),
    blueprints=(views.bp, endpoint.bp),
    cli=(cli.cli,),
    # status: the exchange_transmit and exchange_status workflow effects (transport).
    hooks=(hooks, status),
    outbox_channels={transport.CHANNEL: transport.deliver_exchange},
    template_globals={"exchange_panel": views.exchange_panel,
                      # the request page's "Received": the instant a package arrived
                      "arrived_electronically": views.arrived_electronically,
                      # the directory's authority page shows the registered fingerprints
                      "exchange_identity_of": counterpart_of_authority,
                      "readable_fingerprint": readable_fingerprint,
                      # a refusal of our package in words, not its protocol code
                      "refusal_label": refusal_label},
    setup=endpoint.init_inbox_limits,
)
