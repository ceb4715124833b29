"""Evidence from shadow runs, kept in the database so that every worker process adds to it.

In-process metrics die with the process and each worker sees only its own share; the
decision to advance a route needs the figures of all of them, over a window, after restarts.
"""

from __future__ import annotations

from django.db import models


class ShadowMismatch(models.Model):
    """One kind of difference between the two sides of a route, with how often it was seen.

    Occurrences of the same difference (same fingerprint) update one row, so a thousand
    copies read as one line with a count. A person marks a row explained once they know why
    the sides differ and accept it; unexplained rows block readiness.
    """

    use_case = models.CharField(max_length=200)
    controller = models.CharField(max_length=200)
    operation = models.CharField(max_length=200, help_text="the use case's operation called")
    fingerprint = models.CharField(max_length=64)
    diff = models.TextField(help_text="the first occurrence's field-by-field diff")
    request_keys = models.JSONField(default=dict, help_text="the first occurrence's request")
    last_request_keys = models.JSONField(default=dict)
    count = models.PositiveBigIntegerField(default=1)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    explained = models.BooleanField(default=False)
    note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "controller", "operation", "fingerprint"],
                name="shadow_mismatch_once",
            )
        ]
        ordering = ["use_case", "controller", "-last_seen"]

    def __str__(self) -> str:
        first = self.diff.splitlines()[0] if self.diff else ""
        return f"{self.use_case}:{self.controller} {self.operation} x{self.count}: {first}"


class RouteMinute(models.Model):
    """Counters of one route over one minute, added to in batches.

    Latency is kept as counts per bucket of ``strangler.shadow.latency.BOUNDS`` so that
    percentiles over any window can be computed from the sum of the rows.
    """

    use_case = models.CharField(max_length=200)
    controller = models.CharField(max_length=200)
    minute = models.DateTimeField()
    local_calls = models.PositiveBigIntegerField(default=0)
    local_errors = models.PositiveBigIntegerField(default=0)
    local_latency = models.JSONField(default=list)
    remote_calls = models.PositiveBigIntegerField(default=0)
    remote_errors = models.PositiveBigIntegerField(default=0)
    remote_latency = models.JSONField(default=list)
    compared = models.PositiveBigIntegerField(default=0)
    mismatches = models.PositiveBigIntegerField(default=0)
    dropped = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "controller", "minute"], name="route_minute_once"
            )
        ]
        indexes = [models.Index(fields=["minute"], name="route_minute_time")]

    def __str__(self) -> str:
        return f"{self.use_case}:{self.controller} @ {self.minute:%Y-%m-%d %H:%M}"
