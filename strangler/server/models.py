"""Rows the service side keeps in the service's own database."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """A write that arrived with an idempotency key, and the answer it got.

    The unique key is what makes a retried write apply once: two concurrent copies cannot
    both insert it. ``request_hash`` tells a genuine retry from a different request that
    reuses the key.
    """

    PENDING = "pending"
    DONE = "done"

    key = models.CharField(max_length=200, unique=True)
    method = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=[(PENDING, PENDING), (DONE, DONE)])
    code = models.CharField(max_length=30, blank=True)  # grpc.StatusCode name once done
    details = models.TextField(blank=True)  # the error message, when the answer was an error
    response = models.BinaryField(null=True)  # the serialized response, when it was OK
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "strangler_idempotency_record"

    def __str__(self) -> str:
        return f"{self.key} {self.method} {self.state} {self.code}"
