"""The command line: argument parsing and the one error handler. Logic lives elsewhere."""

from __future__ import annotations

import json
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from . import explain as explain_mod
from . import render, schema
from .cli_apply import apply_command, status_command
from .cli_common import ConfigOpt, EnvOpt, Format, Paths, check_format
from .cli_jobs import jobs_app
from .cli_plan import plan_command
from .cli_state import import_command, state_app
from .config import resolve
from .errors import ReconcilerError
from .manifests import load

_CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_PASS_THROUGH: tuple[type[BaseException], ...] = (_CLICK_EXCEPTION, typer.Exit, typer.Abort)
_debug = {"on": False}


class ReconcilerGroup(TyperGroup):
    """Routes every exception through one place: one line for users, exit codes fixed."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except ReconcilerError as e:
            _fail(f"error: {e}", 1)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            raise typer.Exit(1) from None
        except Exception as e:  # a bug: say so in one line, never a bare traceback
            _fail(
                f"internal error: {type(e).__name__}: {e} "
                "(this is a bug; rerun with --debug for the traceback and report it)",
                3,
            )


def _fail(message: str, code: int) -> None:
    if _debug["on"]:
        traceback.print_exc(file=sys.stderr)
    typer.echo(message, err=True)
    raise typer.Exit(code)


app = typer.Typer(
    cls=ReconcilerGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="GitOps for Amazon Neptune ML model-training jobs: validate, plan, apply, status.",
)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    _debug["on"] = debug


@app.command()
def validate(
    paths: Paths = None,
    fmt: Format = "text",
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Check manifests offline (no network, no credentials). Exit 0 when valid."""
    check_format(fmt)
    settings = resolve(config=config, env=env)
    result = load(paths or ["specs/"], settings.defaults)
    render.render_problems(result, sys.stdout, fmt)
    if not result.ok:
        raise typer.Exit(1)


@app.command("schema")
def schema_cmd(
    which: Annotated[str, typer.Argument(help="manifest, config, ledger or plan.")] = "manifest",
) -> None:
    """Print a JSON Schema (for editors: yaml-language-server)."""
    names = {
        "manifest": schema.MANIFEST,
        "config": schema.CONFIG,
        "ledger": schema.LEDGER,
        "plan": schema.PLAN,
    }
    if which not in names:
        raise ReconcilerError(f"unknown schema {which!r}", f"use one of: {', '.join(names)}")
    sys.stdout.write(schema.text(names[which]))


@app.command()
def explain(
    field: Annotated[str, typer.Argument(help="Dotted field path, e.g. spec.maxWaitTime.")] = "",
    fmt: Format = "text",
) -> None:
    """Describe a manifest field: type, default, rules, cost of a change."""
    check_format(fmt)
    info = explain_mod.describe(field)
    if fmt == "json":
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
    else:
        sys.stdout.write(explain_mod.as_text(info))


app.add_typer(jobs_app, name="jobs")
app.add_typer(state_app, name="state")
app.command("plan")(plan_command)
app.command("import")(import_command)
app.command("apply")(apply_command)
app.command("status")(status_command)


@app.command()
def emulator(
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 8182,
    state_file: Annotated[str | None, typer.Option(help="Keep jobs across restarts.")] = None,
    job_seconds: Annotated[float, typer.Option(help="How long a job stays InProgress.")] = 5.0,
    stop_seconds: Annotated[float, typer.Option(help="How long a job stays Stopping.")] = 1.0,
    latency_ms: Annotated[float, typer.Option(help="Added to every API call.")] = 0.0,
    error_rate: Annotated[float, typer.Option(help="Share of calls answered 500.")] = 0.0,
    throttle_rps: Annotated[float, typer.Option(help="Token-bucket rate; 429 beyond it.")] = 0.0,
    drop_rate: Annotated[float, typer.Option(help="Share of calls whose answer is lost.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of the fault injection.")] = 0,
    s3_endpoint: Annotated[str | None, typer.Option(help="Write artifacts to this S3 endpoint.")] = None,
    artifacts_dir: Annotated[str | None, typer.Option(help="Write artifacts under this folder.")] = None,
    region: Annotated[str, typer.Option(help="Region shown in ARNs.")] = "us-east-1",
) -> None:
    """Serve a local Neptune ML emulator (model training and data processing) on loopback."""
    from .emulator import FaultConfig, Options, serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ReconcilerError(f"the emulator listens on loopback only, not {host!r}")
    for name, rate in (("--error-rate", error_rate), ("--drop-rate", drop_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ReconcilerError(f"{name} {rate} is not a probability", "use a number from 0 to 1")
    faults = FaultConfig(latency_ms, error_rate, throttle_rps, drop_rate, seed)
    options = Options(job_seconds=job_seconds, stop_seconds=stop_seconds, region=region)
    try:
        serve(host, port, options, faults, state_file, s3_endpoint, artifacts_dir)
    except OSError as e:
        raise ReconcilerError(f"cannot listen on {host}:{port}: {e.strerror}", "try --port 0") from None


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
