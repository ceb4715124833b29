"""Show the engine's progress callbacks as rich progress bars, one per table.

    with RichProgress("copy") as progress:
        engine.copy(progress=progress)

The rate and the ETA are the engine's own (rows copied by this run over its time, the
throttle included), not rich's estimate from the last few updates.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn


class RichProgress:
    """A ``ProgressCallback`` that draws; use it as a context manager."""

    def __init__(self, what: str = "copy", console: Console | None = None) -> None:
        self.what = what
        self.tasks: dict[str, TaskID] = {}
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("{task.fields[eta]}"),
            console=console,
        )

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, table: str, done: int, total: int, rate: float, eta: float | None) -> None:
        fields: dict[str, Any] = {
            "rate": f"{rate:,.0f} rows/s",
            "eta": f"ETA {timedelta(seconds=round(eta))}" if eta is not None else "",
        }
        if table not in self.tasks:
            self.tasks[table] = self.progress.add_task(
                f"{self.what} {table}", total=total, **fields
            )
        self.progress.update(self.tasks[table], completed=done, total=total, **fields)
