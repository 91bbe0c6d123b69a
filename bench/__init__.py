"""Benchmarks: `make bench` runs every module's benchmark; figures go to docs/benchmarks.md."""
