"""The toolkit's models, one module per capability."""

from strangler.models.shadow import RouteMinute, ShadowMismatch  # noqa: F401
