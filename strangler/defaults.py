"""Default values of every ``STRANGLER_*`` setting, in one place (read them with ``conf.get``)."""

from __future__ import annotations

# Where the carved service listens, per service name used by remote implementations.
SERVICE_TARGETS: dict[str, str] = {"sales": "127.0.0.1:50051"}

# Dotted path to the project's list of routes: (use case name, controller name) pairs.
ROUTES: str | None = None

# Seconds a process keeps its route table before reading flags and modes again. Changes made
# in the same process apply at once; other processes see them within this time.
ROUTE_TABLE_TTL: float = 5.0

# Percentage rollouts put a user in a bucket from a hash of this salt and the user's id, so a
# user stays on one side across requests and routes. Change it to reshuffle everyone.
BUCKET_SALT: str = "strangler"

# Whether the monolith and the service still share the carved data: True, False, or a dotted
# path to a callable(use_case_name) -> bool (the DB split fills it). Fallback to local is
# allowed only while the data is shared.
DATA_SHARED: bool | str = True

# Dotted path to the callable that runs the remote side of a shadowed call
# (see strangler.shadow.run_inline for the signature).
SHADOW_RUNNER: str = "strangler.shadow.run_inline"
