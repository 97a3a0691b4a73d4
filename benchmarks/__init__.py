"""Benchmarks: speed and counted work, never part of the test suite (run each file as a script)."""
