"""Benchmarks: page weight, render time and throughput of the tracking page (docs/benchmarks.md)."""
