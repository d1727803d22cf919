"""Browser tests of the built site (see conftest.py)."""
