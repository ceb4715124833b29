"""Route a carved table's reads and writes by its split group's stage, and keep both sides
current after each write.

- reads go to the side ``reads_from(stage)``, writes to the side ``truth_side(stage)``;
- while the sync applies changes (``sync`` to ``writes-cutover``), a committed write drains
  the group's outbox before the call answers, so a read right after it sees the write on
  either side (the monolith reads the old side, the service may read the new one).

A table in no active group (no old database configured) is not routed here: None.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import router, transaction

from strangler.server import split_groups
from strangler.split.stages import applies, reads_from, truth_side

log = logging.getLogger("strangler.server.split")

DRAIN_LIMIT = 10_000


def alias_for(table: str, *, write: bool) -> str | None:
    group = split_groups.group_of_table(table)
    if group is None:
        return None
    stage = split_groups.stage(group)
    old, new = split_groups.aliases(group)
    side = truth_side(stage) if write else reads_from(stage)
    return old if side == "old" else new


@contextmanager
def write_transaction(model: type) -> Iterator[None]:
    """``transaction.atomic`` on the model's write database, then drain its group's sync."""
    alias = router.db_for_write(model)
    with transaction.atomic(using=alias):
        yield
        group = split_groups.group_of_table(model._meta.db_table)
        if group is not None and applies(split_groups.stage(group)):
            transaction.on_commit(lambda: drain(group), using=alias)


def drain(group: str) -> None:
    """Apply the pending changes now; on failure the next drain (or the sync loop) catches up."""
    try:
        split_groups.engine(group).sync_once(DRAIN_LIMIT)
    except Exception:
        log.exception("could not drain the sync of split group %s after a write", group)
