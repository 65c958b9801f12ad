"""Manifest kinds, registered in one table. A kind is one module in this package.

A kind says what its spec fields cost to change (its catalogue), which managed field chains
a job to the one before it, which API resource it lives on, what must hold before one of its
jobs may start (its gate) and what a job may cost. The decision rules in ``core/rules.py``
are shared by every immutable-job kind; the manifest layer reads the kind's schema file.
"""

from __future__ import annotations

from .base import Effect, Kind
from .training import TRAINING

KINDS: tuple[Kind, ...] = (TRAINING,)

__all__ = ["KINDS", "TRAINING", "Effect", "Kind", "registry"]


def registry() -> dict[str, Kind]:
    """Every kind by its manifest ``kind:`` name."""
    return {k.name: k for k in KINDS}
