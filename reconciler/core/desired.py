"""What git wants, as the core sees it: one record per manifest, built by the manifest layer."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from . import identity
from .kinds import Kind


@dataclass(frozen=True)
class Desired:
    """A manifest as the plan sees it.

    ``spec`` is the effective spec (schema defaults < config defaults < manifest): identity, cost,
    gates and explain use it. ``written`` is what the manifest and the config set: it is what
    goes on the wire and into the ledger, so a server-side default can take over and a later
    change of a schema default never starts a job by itself. ``complete`` fills today's schema
    defaults into a spec (both sides of a diff get the same ones).
    """

    name: str
    spec: Mapping[str, Any]
    policy: Mapping[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)
    location: str = ""
    written: Mapping[str, Any] | None = None  # None: the same as ``spec``
    source: str = ""  # the manifest's file, from the repository root: what prune's path scope checks
    complete: Callable[[Mapping[str, Any]], dict[str, Any]] | None = field(
        default=None, compare=False, repr=False
    )
    # Id fields written as ``{ref: NAME}``: field -> manifest name. ``core/refs.py`` resolves
    # them into ``spec`` and ``written`` before the rules run, and says in ``waiting`` why a
    # referenced job is not ready yet (then nothing starts).
    refs: Mapping[str, str] = field(default_factory=dict)
    waiting: str = ""
    kind: Kind = field(kw_only=True)  # which kind's rules, resource and schema apply
    # completed() of the recorded spec it was last asked about (a plan asks several rules)
    _completed: list[Any] = field(default_factory=list, init=False, compare=False, repr=False)
    _ids: dict[str | None, str] = field(default_factory=dict, init=False, compare=False, repr=False)

    def with_ids(self, ids: Mapping[str, str], waiting: str = "") -> Desired:
        """This record with these id fields set, in the effective spec and in what is sent alike,
        and nothing it remembered (``dataclasses.replace``'s generic copy was a sixth of a graph's
        plan)."""
        new = copy.copy(self)
        for name, value in (
            ("spec", {**self.spec, **ids}),
            ("written", {**self.sent, **ids}),
            ("waiting", waiting),
        ):
            object.__setattr__(new, name, value)
        for memo in _MEMOS:
            object.__setattr__(new, memo, type(getattr(self, memo))())
        return new

    def job_id(self, previous: str | None = None) -> str:
        """The base id of the job that trains this spec (on top of ``previous`` when incremental):
        asked by several rules of a plan, worked out once."""
        found = self._ids.get(previous)
        if found is None:
            found = self._ids[previous] = identity.job_id(self.name, self.spec, previous, self.kind)
        return found

    @property
    def sent(self) -> Mapping[str, Any]:
        """The spec as the user wrote it (manifest and config defaults): what a create sends."""
        return self.spec if self.written is None else self.written

    def applied_view(self) -> dict[str, Any]:
        """What the ledger records as applied (the spec with its references resolved)."""
        view: dict[str, Any] = {
            "spec": dict(self.sent),
            "policy": dict(self.policy),
            "labels": dict(self.labels),
        }
        if self.source:
            view["source"] = self.source
        view["kind"] = self.kind.name
        if self.refs:
            view["refs"] = dict(self.refs)
        return view

    def effective_view(self) -> dict[str, Any]:
        """What the next plan diffs against: the effective spec."""
        return {"spec": dict(self.spec), "policy": dict(self.policy), "labels": dict(self.labels)}

    def completed(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """``spec`` (a recorded one) with today's schema defaults filled in (not to be changed: the
        answer for the same recorded spec is given again)."""
        memo = self._completed
        if memo and memo[0] is spec:
            done: dict[str, Any] = memo[1]
            return done
        done = self.complete(spec) if self.complete is not None else dict(spec)
        memo[:] = [spec, done]
        return done


_MEMOS = tuple(f.name for f in fields(Desired) if not f.init)  # what a record remembers, never copied
