"""The toolkit's models, one module per capability."""

from strangler.models.routing import Route, RouteChange  # noqa: F401
from strangler.models.shadow import RouteMinute, ShadowMismatch  # noqa: F401
