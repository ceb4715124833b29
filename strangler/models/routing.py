"""Where each route is sent, and the record of every change to it.

A route is a (use case, controller) pair. Its *mode* (where the rollout is sent) lives here;
*who* is in the rollout lives in the waffle flag named after the route, so waffle's admin,
percentages, users, groups and testing overrides all work on it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Route(models.Model):
    """The mode of one route, as strangler last set it."""

    class Mode(models.TextChoices):
        LOCAL = "local", "local: the monolith answers"
        SHADOW = "shadow", "shadow: local answers, remote is called to compare"
        REMOTE = "remote", "remote: the service answers"
        REMOTE_FALLBACK = "remote-fallback", "remote, local when the service fails"

    use_case = models.CharField(max_length=100)
    controller = models.CharField(max_length=100)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.LOCAL)
    # The waffle flag as strangler last wrote it: a different flag was changed outside.
    flag_fingerprint = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["use_case", "controller"], name="strangler_route_once")
        ]
        ordering = ["use_case", "controller"]

    def __str__(self) -> str:
        return f"{self.use_case}:{self.controller} {self.mode}"


class RouteChange(models.Model):
    """One change of a route or of the kill switch, from any path (command, API, admin...)."""

    route = models.CharField(max_length=201, db_index=True)  # "use_case:controller" or "*"
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=150)  # "user:alice" or "os:deploy"
    source = models.CharField(max_length=20)  # command, python, admin, runbook
    before = models.JSONField()
    after = models.JSONField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.route}: {self.before} -> {self.after} by {self.actor}"
