"""Talking to Neptune ML: one client, one place that maps HTTP answers to errors."""

from .client import NeptuneClient, make_client

__all__ = ["NeptuneClient", "make_client"]
