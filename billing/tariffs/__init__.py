"""Packaged tariff referential: dated CSV/JSON rows with their seed sources (data only)."""
