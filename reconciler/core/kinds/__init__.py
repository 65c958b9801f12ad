"""Manifest kinds, registered in one table. A kind is one module in this package.

A kind says what its spec fields cost to change (its catalogue), which managed field chains
a job to the one before it, which API resource it lives on, what must hold before one of its
jobs may start (its gate) and what a job may cost. The decision rules in ``core/rules.py``
are shared by every immutable-job kind; the manifest layer reads the kind's schema file.
"""

from __future__ import annotations

from .base import Effect, Kind
from .dataprocessing import DATA_PROCESSING
from .endpoint import ENDPOINT
from .export import EXPORT
from .training import TRAINING
from .transform import TRANSFORM

# In the order of the Neptune ML path: the graph's export, processed data, trained model, its
# transform, serving endpoint.
KINDS: tuple[Kind, ...] = (EXPORT, DATA_PROCESSING, TRAINING, TRANSFORM, ENDPOINT)

__all__ = [
    "DATA_PROCESSING",
    "ENDPOINT",
    "EXPORT",
    "KINDS",
    "TRAINING",
    "TRANSFORM",
    "Effect",
    "Kind",
    "by_name",
    "registry",
]


def registry() -> dict[str, Kind]:
    """Every kind by its manifest ``kind:`` name (one table: not to be changed)."""
    return _REGISTRY


_REGISTRY: dict[str, Kind] = {k.name: k for k in KINDS}


def by_name(name: str | None) -> Kind:
    """The kind a ledger entry or saved plan recorded; one that names none is from before kinds
    were recorded, when every manifest was a training job (the schemas admit only known names)."""
    return registry()[name] if name else TRAINING
