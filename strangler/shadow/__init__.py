"""Shadow runs: the parallel call, the comparison, and the evidence that decides readiness.

Routing hands a shadowed operation over as ``run(ShadowCall(...))``: the local outcome is
returned at once and ``STRANGLER_SHADOW_RUNNER`` (by default ``run_in_pool``) takes care of
the remote side off the request path. See ``docs/shadow.md``.
"""

from strangler.shadow.compare import Outcome, Rules
from strangler.shadow.run import (
    ShadowCall,
    WriteNotShadowed,
    check_shadowable,
    record_call,
    run,
    run_in_pool,
    submit,
)

__all__ = [
    "Outcome",
    "Rules",
    "ShadowCall",
    "WriteNotShadowed",
    "check_shadowable",
    "record_call",
    "run",
    "run_in_pool",
    "submit",
]
