"""The use cases of the carved sales resources: channels and sales statuses.

Reads and writes are separate use cases because they are rolled out separately (channel
reads first, then channel writes...), and because writes are never shadowed. A sale's status
is read with its channel (``get_statuses_with_channels``: one round trip for a page of sales),
so sale controllers route channels along with statuses; only the channel controllers use the
channel use cases. The remote implementation is imported on first use, so a monolith that
routes everything locally never loads the gRPC client.
"""

from __future__ import annotations

from monolith.sales import local
from strangler.usecases import UseCase

REMOTE = "monolith.sales.remote"
SERVICE = "sales"  # its address and token: STRANGLER_SERVICE_TARGETS / _TOKENS["sales"]

channels_read = UseCase(
    "channels.read",
    operations=("get_channel", "get_channels", "list_channels"),
    local=local,
    remote=REMOTE,
    service=SERVICE,
)
channels_write = UseCase(
    "channels.write",
    operations=("create_channel", "update_channel", "delete_channel"),
    local=local,
    remote=REMOTE,
    service=SERVICE,
    writes=True,
)
sales_status_read = UseCase(
    "sales_status.read",
    operations=("get_status", "get_statuses", "get_statuses_with_channels"),
    local=local,
    remote=REMOTE,
    service=SERVICE,
)
sales_status_write = UseCase(
    "sales_status.write",
    operations=("create_status", "update_status", "delete_status"),
    local=local,
    remote=REMOTE,
    service=SERVICE,
    writes=True,
)
