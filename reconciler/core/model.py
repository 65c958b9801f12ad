"""The plan's records (pure): an Action per manifest, the Plan, and the options that shape it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .actions import ActionKind
from .cost import Cost
from .diff import Change


@dataclass(frozen=True)
class Action:
    name: str
    action: ActionKind
    reason: str
    job_id: str | None = None
    current_job_id: str | None = None
    previous_job_id: str | None = None
    stop_job_id: str | None = None
    clean: bool = False
    changes: tuple[Change, ...] = ()
    cost: Cost | None = None
    spec: Mapping[str, Any] | None = None
    applied: Mapping[str, Any] | None = None
    adopt: bool = False
    adopt_earlier: tuple[str, ...] = ()  # jobs of the manifest found on the cluster, recorded first
    forget: bool = False  # a prune stop: the ledger drops the manifest once its job is stopped
    orphan: bool = False  # the manifest is gone from the paths given; only the ledger knows it
    location: str = ""
    kind: str = ""  # the manifest's kind name: which API resource its calls go to (every plan sets it)
    waits_on: str = ""  # an unresolved reference: the manifest at the root of the chain it waits on
    promoted: str = ""  # the promotion gate's hold that ``--promote`` overrode (recorded with who and when)
    abandon: str = ""  # an unconfirmed create (an export whose answer was lost) --replace gives up on

    @property
    def symbol(self) -> str:
        return self.action.symbol

    @property
    def forces_new_job(self) -> bool:
        return self.action.starts_job

    @property
    def touches(self) -> tuple[str, ...]:
        """Job ids whose state this action depends on (for the stale-plan check)."""
        ids = (self.job_id, self.current_job_id, self.previous_job_id, self.stop_job_id)
        return tuple(dict.fromkeys(i for i in ids if i))

    @property
    def role(self) -> str | None:
        """The neptuneIamRoleArn calls about this action's jobs carry."""
        role = (self.spec or {}).get("neptuneIamRoleArn") or (self.applied or {}).get("spec", {}).get(
            "neptuneIamRoleArn"
        )
        return str(role) if role else None


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    state_serial: int = 0
    lineage: str | None = None
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    commit: str | None = None
    # The references between the planned manifests: (from, to, field) = ``from`` names ``to``.
    edges: tuple[tuple[str, str, str], ...] = ()
    # What the plan was made from: each manifest's digest, the paths read (from the repository
    # root) and whether they had changes git had not committed (``commit`` alone can't say).
    manifests: Mapping[str, str] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    dirty: bool = False
    # Manifests in sync whose current job (or endpoint) is still running: git wants nothing more of
    # them, but the graph is still moving (what refers to them changes once they settle).
    moving: tuple[str, ...] = ()
    # A gated model a change retrains: its last generations as (job, data, metric), for the PR.
    history: Mapping[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)

    def summary(self) -> dict[ActionKind, int]:
        counts = dict.fromkeys(ActionKind, 0)
        for act in self.actions:
            counts[act.action] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return any(not a.action.in_sync for a in self.actions)

    def action_for(self, name: str) -> Action | None:
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, Action]:
        return {a.name: a for a in self.actions}


@dataclass(frozen=True)
class Options:
    replace: frozenset[str] = frozenset()
    prune: bool = False
    targets: frozenset[str] = frozenset()
    selector: Mapping[str, str] = field(default_factory=dict)
    prune_all: bool = False  # let --prune remove half of the managed manifests or more
    # The manifest paths given, relative to the repository root: prune touches only ledger entries whose recorded
    # file lies inside them. ``paths_exact``: a file was named, so an entry recorded without
    # its file (an older ledger) is out of scope.
    paths: tuple[str, ...] = ()
    paths_exact: bool = False
    # Paths (from the repository root) discovery did not read: what lies there is never pruned.
    skipped: tuple[str, ...] = ()
    promote: frozenset[str] = frozenset()  # endpoints whose held update (policy.promote: manual) may go
    # Pruned manifests whose endpoint may be deleted or whose running job may be stopped: those
    # prunes destroy work, so each is held until named (a missing file alone never does it).
    confirm_prune: frozenset[str] = frozenset()
    refresh_all: bool = False  # read every job, finished ones too (observe; drift checks)
    now: str = ""  # when the plan is made (UTC, ISO 8601): how old an unconfirmed create is
