"""The ledger audit after every test runs for the whole suite (`tests/conftest.py`)."""
