"""The use cases of the carved sales resources: channels and sales statuses.

Reads and writes are separate use cases because they are rolled out separately (channel
reads first, then channel writes...), and because writes are never shadowed. The remote
implementation is imported on first use, so a monolith that routes everything locally
never loads the gRPC client.
"""

from __future__ import annotations

from monolith.sales import local
from strangler.usecases import UseCase

REMOTE = "monolith.sales.remote"

channels_read = UseCase(
    "channels.read",
    operations=("get_channel", "get_channels", "list_channels"),
    local=local,
    remote=REMOTE,
)
channels_write = UseCase(
    "channels.write",
    operations=("create_channel", "update_channel", "delete_channel"),
    local=local,
    remote=REMOTE,
    writes=True,
)
sales_status_read = UseCase(
    "sales_status.read",
    operations=("get_status", "get_statuses"),
    local=local,
    remote=REMOTE,
)
sales_status_write = UseCase(
    "sales_status.write",
    operations=("create_status", "update_status", "delete_status"),
    local=local,
    remote=REMOTE,
    writes=True,
)
