"""Subcommands of ``manage.py strangler``: one module each, found automatically.

A module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(options, out)``;
``run`` returns an exit code and raises ``strangler.cli.Failure`` for a one-line error.
"""

from __future__ import annotations


class Failure(Exception):
    """A one-line error the command prints before exiting non-zero, having changed nothing."""
