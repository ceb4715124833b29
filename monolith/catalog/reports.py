"""Reports run as jobs, outside any view.

A job has no URL name, so it routes its use cases under an explicit controller name; it
reads statuses through the use case in batches, like a list controller, never one per sale.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from monolith.catalog.models import SALE_MODELS
from monolith.sales.domain import Channel
from monolith.sales.use_cases import sales_status_read
from strangler.routing import for_job

SALES_BY_STATE_JOB = "report-sales-by-state"
BATCH = 1000


@dataclass(frozen=True, order=True)
class StateCount:
    kind: str
    state: str  # "" for a sale without status
    channel: str  # channel code, "" for none
    sales: int


def sales_by_state(batch: int = BATCH) -> list[StateCount]:
    """How many sales of each kind are in each state, per channel."""
    request = for_job(SALES_BY_STATE_JOB)
    statuses = sales_status_read.on(request)
    counts: Counter[tuple[str, str, int | None]] = Counter()
    channels: dict[int, Channel] = {}
    for kind, model in SALE_MODELS.items():
        ids = model.objects.order_by("id").values_list("id", flat=True)
        page = list(ids[:batch])
        while page:
            keys = [(kind, sale_id) for sale_id in page]
            found, used = statuses.get_statuses_with_channels(keys)
            channels.update(used)
            page = list(ids.filter(id__gt=page[-1])[:batch])
            for key in keys:
                status = found.get(key)
                counts[(kind, status.state if status else "", status and status.channel_id)] += 1
    return sorted(
        StateCount(kind, state, channels[cid].code if cid in channels else "", n)
        for (kind, state, cid), n in counts.items()
    )
