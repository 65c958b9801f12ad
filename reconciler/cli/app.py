"""The command line: the root app, the one error handler, and the table of commands."""

from __future__ import annotations

import re
import sys
import traceback
from typing import Annotated, Any

import typer

from .. import __version__
from ..errors import ReconcilerError, UsageError, redact
from ..render.style import clean
from .classes import Group, LazyCommands, Listed, command_group
from .options import DEBUG

# The commands, in the order --help lists them: where each is defined, and the line --help shows.
# A command's module is imported, and its options built, only when it runs (a one-file validate
# then loads one command of eleven); test_cli_table checks each line begins the command's own help.
COMMANDS = {
    "validate": Listed("offline:validate_command", "Check manifests offline (no network, no credentials)."),
    "schema": Listed("offline:schema_command", "Print a JSON Schema (for editors: yaml-language-server)."),
    "explain": Listed("offline:explain_command", "Describe a manifest field (of any kind): type, default, rules, cost of a change."),
    "plan": Listed("plan:plan_command", "Show what apply would do."),
    "import": Listed("state:import_command", "Adopt an existing job (data processing, training) or endpoint as a manifest's current one."),
    "apply": Listed("apply:apply_command", "Make the cluster match the manifests: start data-processing, training and transform jobs, create and update endpoints, stop or delete what was pruned or suspended."),
    "status": Listed("apply:status_command", "Git against reality: each manifest's job, its live status and what apply would do."),
    "pass": Listed("scheduled:pass_command", "One pass for a scheduler: plan, apply what is ready now, record, exit; never waits."),
    "emulator": Listed("emulator:emulator_command", "Serve a local Neptune ML emulator (data processing, model training, inference endpoints, and the Neptune-Export service at /v1/neptune-export) on loopback."),
    "jobs": Listed("jobs:jobs_app", "Imperative calls: model-training jobs, data processing, endpoints."),
    "state": Listed("state:state_app", "Inspect and repair the ledger."),
}  # fmt: skip

_CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_PASS_THROUGH: tuple[type[BaseException], ...] = (_CLICK_EXCEPTION, typer.Exit, typer.Abort)


class ReconcilerGroup(Group):
    """Routes every exception through one place: one line for users, exit codes fixed. Its
    commands are the table's, each built when first asked for."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands(f"{__package__}.", COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The table's lines: listing the commands builds none of them."""
        width = formatter.width - 6 - max(map(len, COMMANDS))
        with formatter.section("Commands"):
            formatter.write_dl([(name, listed.short(width)) for name, listed in COMMANDS.items()])

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: Any = None,
        complete_var: Any = None,
        standalone_mode: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Usage errors become the one-line ``error: …`` form (exit 2), like every other error."""
        try:
            code = super().main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **kwargs
            )
        except typer.Abort:
            typer.echo("interrupted", err=True)
            code = 130
        except Exception as e:
            if not isinstance(e, _CLICK_EXCEPTION):
                raise
            usage: Any = e
            if type(e).__name__ == "NoArgsIsHelpError":  # `reconciler`, `reconciler jobs`: the help, as is
                typer.echo(usage.format_message(), err=True)
            else:
                where = (
                    f"`{usage.ctx.command_path} --help`"
                    if getattr(usage, "ctx", None)
                    else "`reconciler --help`"
                )
                typer.echo(clean(f"error: {plain_words(usage.format_message())} (see {where})"), err=True)
            code = 1 if _is_plan(getattr(usage, "ctx", None)) else usage.exit_code
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # --debug is the root's option, but people type it after the command too.
        if "--debug" in args[1:]:
            cut = args.index("--") if "--" in args else len(args)
            args = ["--debug", *(a for a in args[:cut] if a != "--debug"), *args[cut:]]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except UsageError as e:
            _fail(f"error: {e}", 1 if ctx.invoked_subcommand == "plan" else 2)
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


# The parser's validation speaks click ("'abc' is not a valid int range.", "0 is not in the range
# 1<=x<=256."); users get ours.
_BETWEEN = re.compile(r"(?P<lo>[-\d.]+)(?P<lo_op><=?)x(?P<hi_op><=?)(?P<hi>[-\d.]+)")
_ONE_SIDE = re.compile(r"x(?P<op>[<>]=?)(?P<n>[-\d.]+)")
_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}
_MIRROR = {"<=": ">=", "<": ">"}


def _range(m: re.Match[str]) -> str:
    if between := _BETWEEN.fullmatch(m["range"]):
        low, high = _WORDS[_MIRROR[between["lo_op"]]], _WORDS[between["hi_op"]]
        limits = f"{low} {between['lo']} and {high} {between['hi']}"
    elif one := _ONE_SIDE.fullmatch(m["range"]):
        limits = f"{_WORDS[one['op']]} {one['n']}"
    else:
        return m[0]
    return f"must be {limits}, not {m['value']}"


_WORDING: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(r"(?P<value>'[^']*') is not a valid int(?:eger| range)\."),
        r"expected a whole number, not \g<value>",
    ),
    (
        re.compile(r"(?P<value>'[^']*') is not a valid float(?: range)?\."),
        r"expected a number, not \g<value>",
    ),
    (re.compile(r"(?P<value>'[^']*') is not a valid boolean\..*"), r"expected true or false, not \g<value>"),
    (re.compile(r"(?P<value>\S+) is not in the range (?P<range>\S+?)\.$"), _range),
)


def plain_words(message: str) -> str:
    for pattern, words in _WORDING:
        message = pattern.sub(words, message)
    return message.rstrip()


def _is_plan(ctx: Any) -> bool:
    """Whether a usage error belongs to ``plan`` (its exit 2 means changes, so errors exit 1)."""
    while ctx is not None:
        if ctx.info_name == "plan" and ctx.parent is not None and ctx.parent.parent is None:
            return True
        ctx = ctx.parent
    return False


def _fail(message: str, code: int) -> None:
    if DEBUG["on"]:
        sys.stderr.write(redact(traceback.format_exc()))
    typer.echo(clean(redact(message)), err=True)
    raise typer.Exit(code)


app = command_group(
    "GitOps for the Amazon Neptune ML path (data processing, model training, inference endpoints): "
    "validate, plan, apply, status.",
    cls=ReconcilerGroup,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reconciler {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option("--debug", metavar="", help="Show tracebacks of errors (before or after the command)."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", metavar="", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    DEBUG["on"] = debug


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
