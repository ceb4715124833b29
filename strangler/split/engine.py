"""The split engine: one object per group of tables, working on two Django connection
aliases (``old``: the monolith's database with the old tables; ``new``: the service's own).

It runs inside the carved service; the monolith drives it over the service's admin RPC.
Each public method is a use case a command, the admin RPC or a runbook calls as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from strangler.split.errors import SplitError
from strangler.split.results import GroupStatus, Transition, VerifyReport
from strangler.split.spec import SplitGroup
from strangler.split.stages import Stage

# progress(table, rows_done, rows_total_estimate, rows_per_second, eta_seconds or None)
ProgressCallback = Callable[[str, int, int, float, float | None], None]

DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600


class Engine:
    def __init__(
        self,
        group: SplitGroup,
        *,
        old: str = "sales",
        new: str = "default",
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
    ) -> None:
        self.group = group
        self.old = old
        self.new = new
        self.retention_seconds = retention_seconds

    @property
    def stage(self) -> Stage:
        raise NotImplementedError

    def status(self) -> GroupStatus:
        raise NotImplementedError

    def advance(self, *, to: str | None = None, actor: str, reason: str = "") -> Transition:
        raise NotImplementedError

    def rollback(self, *, actor: str, reason: str = "") -> Transition:
        raise NotImplementedError

    def copy(
        self,
        *,
        batch_size: int = 50_000,
        rows_per_second: float | None = None,
        progress: ProgressCallback | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        raise NotImplementedError

    def sync_once(self, limit: int = 10_000) -> int:
        raise NotImplementedError

    def drain(self, *, limit: int = 10_000, max_seconds: float | None = None) -> int:
        raise NotImplementedError

    def verify(
        self, *, repair: bool = False, progress: ProgressCallback | None = None
    ) -> VerifyReport:
        raise NotImplementedError

    def cleanup(
        self,
        *,
        archive_dir: str | Path | None = None,
        retention_seconds: float | None = None,
        actor: str = "cleanup",
        reason: str = "",
    ) -> Transition:
        raise NotImplementedError


__all__ = ["Engine", "SplitError"]
