"""Run ``manage.py strangler ...`` in the test process, as an operator would run it."""

from __future__ import annotations

import io

from django.core.management import call_command


def strangler(*args: str) -> tuple[int, str, str]:
    """Run ``manage.py strangler ARGS`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("strangler", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()
