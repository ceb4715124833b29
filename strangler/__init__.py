"""strangler: carve a service out of a Django monolith one controller at a time."""

__version__ = "0.1.0"
