"""Small end-to-end examples built on the library (used by the demo and the tests)."""
