"""Errors raised by the billing domain. One root; subclasses carry data."""

from __future__ import annotations


class BillingError(Exception):
    """Base for everything billing raises."""
