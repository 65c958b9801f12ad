"""The commands' shared path: load manifests → open the ledger → observe → plan.

This is the I/O shell around the pure core; the CLI calls it, tests call it directly.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .config import Settings
from .errors import ManifestError, ReconcilerError
from .live import Live
from .manifests import load, require_valid
from .neptune import NeptuneClient
from .observe import observe, s3_preflight
from .plan import Desired, Options, Plan, desired_from, plan
from .state import Ledger, StateStore, open_state
from .state.s3 import make_s3_client


@dataclass(frozen=True)
class Selection:
    """Which manifests a command works on: paths, ``--target`` names and ``-l`` labels."""

    paths: Sequence[str] = ("specs/",)
    targets: frozenset[str] = frozenset()
    selector: Mapping[str, str] = field(default_factory=dict)


def parse_selector(items: Sequence[str] | None) -> dict[str, str]:
    selector: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ReconcilerError(f"label selector {item!r} is not key=value", "e.g. -l team=risk")
        selector[key.strip()] = value.strip()
    return selector


def load_desired(selection: Selection, settings: Settings) -> list[Desired]:
    """Valid manifests, selected; refuses an empty set (a typo must not prune everything)."""
    result = load(selection.paths, settings.defaults)
    manifests = require_valid(result)
    if not result.files:
        raise ManifestError(
            f"no manifests found in {', '.join(selection.paths)}",
            "pass the folder that holds them (default specs/)",
        )
    desired = desired_from(manifests, settings.defaults)
    if selection.targets:
        unknown = selection.targets - {d.name for d in desired}
        desired = [d for d in desired if d.name in selection.targets]
        if unknown and not desired:
            raise ManifestError(f"--target {', '.join(sorted(unknown))}: no manifest of that name")
    if selection.selector:
        desired = [d for d in desired if all(d.labels.get(k) == v for k, v in selection.selector.items())]
    return desired


def open_store(settings: Settings) -> StateStore:
    return open_state(settings.state, region=settings.region, s3_endpoint=settings.s3_endpoint)


def git_commit() -> str | None:
    """The commit the manifests come from: GITHUB_SHA in Actions, else ``git rev-parse HEAD``."""
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


@dataclass
class PlanRun:
    desired: list[Desired]
    store: StateStore
    ledger: Ledger
    live: Live
    plan: Plan


def run_plan(
    client: NeptuneClient,
    settings: Settings,
    selection: Selection,
    options: Options,
    *,
    parallelism: int = 16,
    s3_check: bool = True,
    store: StateStore | None = None,
) -> PlanRun:
    """Observe and plan. Reads only: neither the cluster nor the ledger changes."""
    desired = load_desired(selection, settings)
    store = store or open_store(settings)
    ledger = store.load()
    preflight = None
    if s3_check and any(d.spec.get("modelName") == "custom" for d in desired):
        preflight = s3_preflight(make_s3_client(settings.region, settings.s3_endpoint))
    live = observe(client, desired, ledger, parallelism=parallelism, preflight=preflight)
    scoped = Options(options.replace, options.prune, selection.targets, dict(selection.selector))
    result = plan(desired, ledger, live, scoped, commit=git_commit())
    return PlanRun(desired, store, ledger, live, result)
