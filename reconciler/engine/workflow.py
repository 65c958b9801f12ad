"""The workflows commands share: load manifests → open the ledger → observe → plan, and the
apply run around it (saved-plan check, lock, settle, execute, wait).

This is the I/O shell around the pure core; the CLI calls it, tests call it directly.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..aws import make_s3_client
from ..core.actions import ActionKind
from ..core.desired import Desired
from ..core.kinds import by_name
from ..core.ledger import Ledger
from ..core.live import JobView, Live
from ..core.model import Options, Plan
from ..core.plan import manifest_digests, plan
from ..core.quality import Gate
from ..core.records import now_iso
from ..errors import ManifestError, ReconcilerError, UsageError, closest
from ..manifests.config import Settings
from ..manifests.desired import desired_from
from ..manifests.discover import repo_path, repo_root
from ..manifests.load import load, require_valid
from ..neptune import NeptuneClient
from ..state import StateStore, open_state
from .apply import Executor, Outcome, settle
from .metrics import s3_metrics
from .observe import Ahead, observe, s3_preflight
from .saved import check_fresh, load_saved, saved_live
from .wait import Display, Watched, wait_for


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


def load_desired(
    selection: Selection, settings: Settings, *, prune: bool = False, known: frozenset[str] = frozenset()
) -> tuple[list[Desired], list[str]]:
    """Valid manifests, selected, and the paths discovery skipped (prune leaves them alone);
    refuses an empty set (a typo must not prune everything), with ``prune`` an empty manifest
    file, and a --target that names neither a manifest nor one of ``known`` (the ledger's: a
    removed manifest may be targeted to prune it)."""
    result = load(selection.paths, settings.defaults)
    manifests = require_valid(result, prune=prune)
    if not result.files:
        raise ManifestError(
            f"no manifests found in {', '.join(selection.paths)}",
            "pass the folder that holds them (default specs/)",
        )
    desired = desired_from(manifests, settings.defaults)
    if selection.targets:
        known_names(selection.targets, {d.name for d in desired} | set(known), "--target")
        desired = [d for d in desired if d.name in selection.targets]
    if selection.selector:
        desired = [d for d in desired if all(d.labels.get(k) == v for k, v in selection.selector.items())]
    return desired, result.skipped


def known_names(asked: frozenset[str], names: set[str], flag: str) -> None:
    """Every name given to ``flag`` is a manifest's, or a UsageError with a did-you-mean."""
    for name in sorted(asked - names):
        match = closest(name, names)
        hint = (
            f"did you mean {match!r}?"
            if match
            else f"the manifests are: {', '.join(sorted(names)[:10]) or 'none'}"
        )
        raise UsageError(f"{flag} {name}: no manifest of that name is selected", hint)


def open_store(settings: Settings) -> StateStore:
    return open_state(settings.state, region=lambda: settings.region, s3_endpoint=settings.s3_endpoint)


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def git_commit() -> str | None:
    """The commit the manifests come from: GITHUB_SHA in Actions, else ``git rev-parse HEAD``."""
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    return (_git("rev-parse", "HEAD") or "").strip() or None


def git_dirty(paths: Sequence[str]) -> bool:
    """Whether ``paths`` hold changes git has not committed (edited, added or untracked files);
    False outside a repository, where there is nothing to compare with."""
    out = _git("status", "--porcelain", "--untracked-files=all", "--", *paths)
    return bool(out and out.strip())


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
    dirty_check: bool = False,
    seen: Mapping[str, JobView] | None = None,
) -> PlanRun:
    """Observe and plan. Reads only: neither the cluster nor the ledger changes. ``dirty_check``:
    ask git whether the manifest paths hold uncommitted changes (a plan that is shown or saved
    records it; an apply, a status or a pass has no use for it). ``seen``: what this process
    read on this cluster since the ledger last recorded (a converge's wait): the finished ones are
    not read again, and the apply records them."""
    store = store or open_store(settings)
    ledger = store.load()
    # The jobs the ledger knows are read while the manifests load (an error in them abandons the
    # reads: daemon threads, read-only calls).
    ahead = Ahead(client, ledger, parallelism, refresh_all=options.refresh_all, seen=seen)
    desired, skipped = load_desired(selection, settings, prune=options.prune, known=frozenset(ledger.names()))
    known_names(options.replace, {d.name for d in desired}, "--replace")
    serving = {d.name for d in desired if d.kind.serving_fields}
    known_names(options.promote, serving, "--promote")
    checks = s3_check and any(d.kind.preflight(d.spec) for d in desired)
    gated = any(Gate.of(d.policy) is not None for d in desired)
    s3 = make_s3_client(lambda: settings.region, settings.s3_endpoint) if checks or gated else None
    preflight = s3_preflight(s3) if checks else None
    metrics = s3_metrics(s3) if gated else None
    live = observe(
        client, desired, ledger, parallelism=parallelism, preflight=preflight, refresh_all=options.refresh_all,
        metrics=metrics, ahead=ahead,
    )  # fmt: skip
    scoped = dataclasses.replace(
        options, targets=selection.targets, selector=dict(selection.selector),
        paths=tuple(repo_path(p) for p in selection.paths),
        paths_exact=any(not os.path.isdir(p) for p in selection.paths), skipped=tuple(skipped),
        now=now_iso(),
    )  # fmt: skip
    dirty = git_dirty(selection.paths) if dirty_check else False
    result = plan(desired, ledger, live, scoped, commit=git_commit(), dirty=dirty)
    return PlanRun(desired, store, ledger, live, result)


# -- apply ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplyRequest:
    """What ``apply`` was asked to do."""

    selection: Selection = field(default_factory=Selection)
    options: Options = field(default_factory=Options)
    parallelism: int = 16
    max_stops: int = 5
    s3_check: bool = True
    plan_file: Path | None = None
    lock_wait: float = 0.0
    # What this process read since its last apply (a converge's wait): the finished ones can't
    # change, so the next round's plan takes those answers instead of reading them again.
    seen: Mapping[str, JobView] = field(default_factory=dict)


@dataclass(frozen=True)
class ApplyView:
    """How an apply talks to its user: the plan, a confirmation, each outcome, a note."""

    show: Callable[[Plan, str], None]
    report: Callable[[Outcome], None]
    say: Callable[[str], None]
    confirm: Callable[[Plan], None] | None = None  # None: approved already (--auto-approve)


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    outcomes: Sequence[Outcome] = ()

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok and o.action is not ActionKind.BLOCKED]

    @property
    def blocked(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action is ActionKind.BLOCKED]

    @property
    def succeeded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok and o.action is not ActionKind.WAIT]

    @property
    def hpo_totals(self) -> dict[str, int]:
        """Each started job's HPO budget (its kind's ``budget_field`` in the spec it was started with)."""
        totals = {}
        for o in self.outcomes:
            action = self.plan.action_for(o.name) if o.ok and o.started else None
            field_ = by_name(action.kind).budget_field if action else ""
            budget = (action.spec or {}).get(field_) if action and field_ else None
            if o.started and budget:
                totals[o.started] = int(budget)
        return totals

    @property
    def started(self) -> list[Watched]:
        """Every job (or endpoint) this apply started or updated, for ``--wait``."""
        found = []
        for o in self.outcomes:
            if o.ok and o.started:
                action = self.plan.action_for(o.name)
                kind = by_name(action.kind if action else None)
                found.append(Watched(o.name, o.started, action.role if action else None, kind))
        return found


def run_apply(
    client: NeptuneClient, settings: Settings, request: ApplyRequest, view: ApplyView
) -> ApplyResult:
    """Lock, plan (or check a saved plan), confirm, settle, execute; the lock is always released."""
    store = open_store(settings)
    saved: Plan | None = None
    if request.plan_file is not None:
        saved, saved_state = load_saved(request.plan_file)
        if saved_state and saved_state != settings.state:
            raise ReconcilerError(
                f"the saved plan was made against state {saved_state}, not {settings.state}",
                "pass the same --state (or RECONCILER_STATE) the plan used",
            )
    label = str(request.plan_file or "fresh plan")
    with store.held("apply", plan=label, wait=request.lock_wait):
        for notice in store.notices:
            view.say(notice)
        if saved is not None:
            ledger = store.load()
            live = saved_live(client, store, saved, request.parallelism)
            check_fresh(saved, ledger.serial, ledger.lineage if ledger.exists else None, live)
            for warning in manifests_moved(saved, settings):
                view.say(f"warning: {warning}")
            current = saved
        else:
            run = run_plan(
                client, settings, request.selection, request.options,
                parallelism=request.parallelism, s3_check=request.s3_check, store=store, seen=request.seen,
            )  # fmt: skip
            current, live = run.plan, run.live
        view.show(current, store.location)
        if current.has_changes and saved is None and view.confirm is not None:
            view.confirm(current)
        for note in settle(store, live):
            view.say(note)
        if not current.has_changes:
            store.compact()
            return ApplyResult(current)
        view.say("")
        executor = Executor(store, client, git_commit())
        outcomes = executor.run(
            current, parallelism=request.parallelism, max_stops=request.max_stops, report=view.report
        )
    return ApplyResult(current, outcomes)


def manifests_moved(saved: Plan, settings: Settings) -> list[str]:
    """What differs between the manifests a saved plan was made from and those here now (the plan
    still runs exactly as reviewed; this says that git moved under it)."""
    said = []
    if saved.dirty:
        said.append("the saved plan was made from manifests with uncommitted changes")
    if not saved.manifests or not saved.paths:
        return said
    root = repo_root()
    paths = [os.path.join(root, p) for p in saved.paths]
    try:
        desired, _ = load_desired(Selection(tuple(paths)), settings)
    except ReconcilerError as e:
        return [*said, f"the manifests can't be compared with the saved plan's: {e}"]
    now = manifest_digests(desired)
    changed = sorted(n for n in saved.manifests.keys() & now.keys() if saved.manifests[n] != now[n])
    added, gone = sorted(now.keys() - saved.manifests.keys()), sorted(saved.manifests.keys() - now.keys())
    parts = [f"{label} {', '.join(names[:5])}{' …' if len(names) > 5 else ''}"
             for label, names in (("changed:", changed), ("added:", added), ("removed:", gone)) if names]  # fmt: skip
    if parts:
        said.append(
            "the manifests differ from what was planned (" + "; ".join(parts) + "); the saved plan runs as "
            "reviewed: plan again to act on the manifests as they are"
        )
    return said


def wait_started(
    client: NeptuneClient,
    result: ApplyResult,
    display: Display,
    *,
    timeout: float,
    interval: float,
    workers: int = 16,
    jobs: Sequence[Watched] | None = None,
    wake: frozenset[str] = frozenset(),
) -> dict[str, JobView | None]:
    """Poll the jobs ``result`` started (or ``jobs``) until each is terminal, or one of a manifest
    in ``wake`` is (after the lock is released), ``workers`` reads at a time."""
    watched = result.started if jobs is None else jobs
    return wait_for(client, watched, display, timeout=timeout, interval=interval, workers=workers, wake=wake)
