"""The one error type of the split engine."""

from __future__ import annotations


class SplitError(ValueError):
    """A refused or failed split step; the message is one line a person can act on.

    A ValueError, so that command-line callers that already turn ValueError into an exit
    code and one line need no special case.
    """
