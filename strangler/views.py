"""HTTP views of the toolkit that a host project wires into its URLs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest


def metrics(request: HttpRequest) -> HttpResponse:
    """The process's Prometheus metrics, for a scraper.

    With several worker processes each has its own figures; a deployment that runs many
    workers sets ``PROMETHEUS_MULTIPROCESS_DIR`` as prometheus_client documents.
    """
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
