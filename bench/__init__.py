"""Benchmarks: what the portal costs on top of the ECL API (`make bench`)."""
