"""Multi-process invariants and crash tests (run by CI as a script, not by pytest)."""
