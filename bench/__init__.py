"""Benchmarks: ``python -m bench <name>``; each ends with one JSON line of named figures."""
