"""Helpers that a carved gRPC service uses: error mapping, auth, idempotency."""
