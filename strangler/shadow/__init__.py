"""Shadow runs: the parallel call, the comparison, and the evidence that decides readiness.

Routing calls ``run_shadowed`` (or ``submit`` when it already has the local outcome) for a
route in shadow mode, and ``record_call`` for every other call it makes.
"""

from strangler.shadow.compare import Outcome, Rules
from strangler.shadow.run import (
    WriteNotShadowed,
    check_shadowable,
    record_call,
    run_shadowed,
    submit,
)

__all__ = [
    "Outcome",
    "Rules",
    "WriteNotShadowed",
    "check_shadowable",
    "record_call",
    "run_shadowed",
    "submit",
]
