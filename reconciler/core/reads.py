"""What observe must read (pure): each id, the kind whose resource it lives on, and the role to
read it with. Observe asks these in order and only does the reading:

1. ``ledger_reads``: the ledger's jobs that can still change (each manifest's current generation,
   its last Completed one, pending intents), known before any manifest is read (so observe starts
   them while the manifests load); ``input_reads``: the jobs a moving manifest names by a literal id
   (its gate needs their status); ``listings``: the resources whose active ids are listed.
2. ``second``, given what those said: the ids a create would take (free, or there to adopt) and
   each manifest's last Completed generation.
3. ``discovery``, in rounds: the ids a manifest the ledger does not know may have produced.

Every answer leaves out what is already known, so no id is read twice in a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import identity
from .adopt import name_of, next_probes
from .desired import Desired
from .kinds import Kind, by_name, registry
from .ledger import Ledger
from .live import JobView, Live
from .model import Action
from .quality import Gate
from .refs import by_ledger
from .settle import at_rest, last_completed, probe_ids

ROLE = "neptuneIamRoleArn"  # the role every Neptune ML call may carry, from the spec it was made with


@dataclass(frozen=True)
class Read:
    """One GET: on the resource of ``kind``, with ``role`` (if any)."""

    kind: Kind
    role: str | None = None


Reads = dict[str, Read]


def _role(spec: Mapping[str, object]) -> str | None:
    role = spec.get(ROLE)
    return str(role) if role else None


def _inputs(d: Desired) -> Reads:
    """The jobs ``d`` names by a literal id (a ``{ref: NAME}`` is read as that manifest's job)."""
    kinds = registry()
    return {
        job: Read(kinds[d.kind.refs[field][0]], _role(d.spec))
        for field, job in d.kind.inputs(d.spec).items()
        if field not in d.refs and d.kind.refs[field][0] in kinds
    }


def input_reads(desired: Sequence[Desired], ledger: Ledger, recorded: Mapping[str, JobView]) -> Reads:
    """The jobs moving manifests name by a literal id (what their gates need), less what is recorded."""
    reads: Reads = {}
    for d in desired:
        if not at_rest(d, ledger, recorded):
            for job, read in _inputs(d).items():
                if job not in recorded:
                    reads.setdefault(job, read)
    return reads


def ledger_reads(ledger: Ledger, recorded: Mapping[str, JobView]) -> Reads:
    """What the ledger alone says to check (its jobs' current and last Completed generations, lost
    exports, pending intents), less what is recorded: known before any manifest is read."""
    reads: Reads = {}
    for name in ledger.names():
        kind, gens = ledger.kind(name), ledger.generations(name)
        done = [g for g in gens if g.get("finalStatus") == "Completed"]
        # An export given up on unconfirmed is looked for until it is seen finished (never untracked).
        lost = [g for g in gens[:-1] if g["action"] == "unconfirmed" and not g.get("finalStatus")]
        for g in gens[-1:] + done[-1:] + lost:
            reads[g["jobId"]] = Read(kind, _role(g["spec"]))
        for p in ledger.pending(name):
            reads[p["jobId"]] = Read(kind, _role(p.get("spec", {})))
    return {job: read for job, read in reads.items() if job not in recorded}


def listings(desired: Sequence[Desired], ledger: Ledger) -> tuple[tuple[Kind, str | None], ...]:
    """The resources to list (a kind that lists, in git or in the ledger) and the role to list with."""
    kinds = {d.kind for d in desired} | {ledger.kind(name) for name in ledger.names()}
    role = next((r for d in desired if (r := _role(d.spec))), None)
    return tuple((k, role) for k in sorted(kinds, key=lambda k: k.name) if k.lists)


def second(desired: Sequence[Desired], ledger: Ledger, live: Live) -> Reads:
    """The ids a create would take, so an existing one is adopted rather than duplicated
    (references resolved as far as the ledger knows their targets), and last Completed jobs."""
    reads: Reads = {}
    resolved = [r for d in desired if (r := by_ledger(d, ledger)) is not None]
    for job, d in probe_ids(resolved, ledger, live).items():
        reads[job] = Read(d.kind, _role(d.spec))
    for name in ledger.names():
        done = last_completed(name, ledger, live)
        if done is not None:
            spec = next((g["spec"] for g in ledger.generations(name) if g["jobId"] == done), {})
            reads.setdefault(done, Read(ledger.kind(name), _role(spec)))
    return {job: read for job, read in reads.items() if job not in live.jobs}


def discovery(desired: Sequence[Desired], ledger: Ledger, live: Live) -> Reads:
    """For job manifests the ledger does not know: what they may have produced (incremental
    chains on top of their listed jobs, further -rN attempts of what was found)."""
    unknown = {
        r.name: r
        for d in desired
        if d.kind.finishes and not ledger.generations(d.name) and (r := by_ledger(d, ledger)) is not None
    }
    if not unknown:
        return {}
    reads: Reads = {}
    for job in next_probes(unknown.values(), live) - set(live.jobs):
        d = unknown.get(name_of(job) or "")
        if d is not None:
            reads[job] = Read(d.kind, _role(d.spec))
    return reads


def metric_jobs(desired: Sequence[Desired], ledger: Ledger, live: Live) -> Reads:
    """Jobs a promotion gate judges whose metrics are not known yet: each gated manifest's
    candidate (its target's latest Completed job) and what it serves now. A job whose answer
    did not say where its output is comes with a Read to GET it again."""
    holder = {g["jobId"]: (name, g["spec"]) for name in ledger.names() for g in ledger.generations(name)}
    wanted: Reads = {}
    for d in desired:
        if Gate.of(d.policy) is None:
            continue
        cur = ledger.current(d.name)
        jobs = [last_completed(t, ledger, live) for t in d.refs.values()]
        jobs.append(d.kind.serves(cur["spec"]) if cur else None)
        for job in jobs:
            if job is None or job in live.metrics or job not in holder:
                continue
            name, spec = holder[job]
            kind = ledger.kind(name)
            if kind.metrics_file:
                wanted[job] = Read(kind, _role(spec))
    return wanted


def handles(
    ledger: Ledger, desired: Sequence[Desired] = ()
) -> dict[str, tuple[str | None, str | None, bool]]:
    """Jobs of kinds whose service picks the ids: the reconciler's handle -> (the service's job id
    if it was learned, the completionFileS3Path it was (or would be) sent with, whether a create of
    it may have been sent without its answer recorded). A desired manifest's next handle is there
    too: a lost ledger then finds a finished export by its completion file instead of exporting again."""
    found: dict[str, tuple[str | None, str | None, bool]] = {}
    for d in desired:
        if d.kind.service != "neptune":
            job = d.job_id(None)
            found[job] = (
                None,
                identity.create_body(d.sent, job, None, d.kind).get("completionFileS3Path"),
                False,
            )
    for name in ledger.names():
        if ledger.kind(name).service == "neptune":
            continue
        for g in ledger.generations(name):
            found[g["jobId"]] = (g.get("serviceId"), g["spec"].get("completionFileS3Path"), False)
        for p in ledger.pending(name):
            found[p["jobId"]] = (None, p.get("spec", {}).get("completionFileS3Path"), True)
    return found


def saved(actions: Iterable[Action], fingerprints: Iterable[str], ledger: Ledger) -> Reads:
    """What a saved plan read, to read again before it is applied: each fingerprinted id on the
    resource of whatever holds it (the ledger, an action, a literal input), pending intents too."""
    held: Reads = {}
    for name in ledger.names():
        kind = ledger.kind(name)
        for g in ledger.generations(name):
            held[g["jobId"]] = Read(kind, _role(g["spec"]))
        for p in ledger.pending(name):
            held[p["jobId"]] = Read(kind, _role(p.get("spec", {})))
    by_manifest: dict[str, Read] = {}
    kinds = registry()
    for a in actions:
        kind = by_name(a.kind)
        by_manifest[a.name] = Read(kind, a.role)
        held.update(dict.fromkeys(a.touches, Read(kind, a.role)))
        for field, job in kind.inputs(a.spec or {}).items():
            held.setdefault(job, Read(kinds.get(kind.refs[field][0], kind), a.role))
    ids = {k.removeprefix("job/") for k in fingerprints if k.startswith("job/")}
    ids |= {p["jobId"] for name in ledger.names() for p in ledger.pending(name)}
    fallback = Read(by_name(None))  # an id nothing holds: a job of a ledger from before kinds
    return {job: held.get(job) or by_manifest.get(name_of(job) or job) or fallback for job in sorted(ids)}
