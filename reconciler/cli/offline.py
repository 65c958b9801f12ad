"""Commands that need no cluster: ``validate``, ``schema`` and ``explain``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from ..errors import ReconcilerError
from ..render import DataFormat
from .options import CONFIG, Connection, DataFormatOpt, Paths, connected


@connected(CONFIG)
def validate_command(
    conn: Connection,
    paths: Paths = None,
    fmt: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """Check manifests offline (no network, no credentials). Exit 0 when valid.

    Examples:

    $ reconciler validate

    $ reconciler validate specs/fraud-rgcn.yaml --format json
    """
    from ..manifests.load import load
    from ..render.validate import render_problems

    settings = conn.settings()
    result = load(paths or ["specs/"], settings.defaults)
    render_problems(result, sys.stdout, fmt)
    if not result.ok:
        raise typer.Exit(1)


def schema_command(
    which: Annotated[
        str,
        typer.Argument(
            metavar="WHICH",
            help="manifest (a ModelTrainingJob), a kind's name in lower case (endpoint, …), config, ledger or plan.",
        ),
    ] = "manifest",
) -> None:
    """Print a JSON Schema (for editors: yaml-language-server)."""
    from ..core.kinds import KINDS
    from ..manifests import schema

    names = {
        "manifest": schema.MANIFEST,
        **{k.name.lower(): k.schema for k in KINDS},
        "config": schema.CONFIG,
        "ledger": schema.LEDGER,
        "plan": schema.PLAN,
    }
    if which not in names:
        raise ReconcilerError(f"unknown schema {which!r}", f"use one of: {', '.join(names)}")
    sys.stdout.write(schema.text(names[which]))


def explain_command(
    field: Annotated[
        str, typer.Argument(metavar="FIELD", help="Dotted field path, e.g. spec.maxWaitTime.")
    ] = "",
    fmt: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """Describe a manifest field (of any kind): type, default, rules, cost of a change.

    Examples:

    $ reconciler explain maxWaitTime

    $ reconciler explain policy.onDataChange

    $ reconciler explain instanceCount   (an endpoint's field: found in whichever kind has it)
    """
    from ..manifests import explain

    info = explain.describe(field)
    if fmt is DataFormat.JSON:
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
    else:
        sys.stdout.write(explain.as_text(info))
