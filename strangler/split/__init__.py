"""Staged DB split: move a group of tables to the service's own database with nothing lost.

See docs/db-split.md. Generic: it takes table and key definitions, not models.
"""

from strangler.split.engine import Engine, ProgressCallback
from strangler.split.errors import SplitError
from strangler.split.results import GroupStatus, TableDiff, TableStatus, Transition, VerifyReport
from strangler.split.spec import SplitGroup, TableSpec
from strangler.split.stages import Stage

__all__ = [
    "Engine",
    "GroupStatus",
    "ProgressCallback",
    "SplitError",
    "SplitGroup",
    "Stage",
    "TableDiff",
    "TableSpec",
    "TableStatus",
    "Transition",
    "VerifyReport",
]
