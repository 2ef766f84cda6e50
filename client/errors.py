"""Errors raised by the headless application. One root; subclasses carry data."""

from __future__ import annotations


class ClientError(Exception):
    """Base for everything client raises."""
