"""Options shared by commands, declared once. ``@connected(...)`` adds the connection options a
command needs to its signature and hands the command one ``Connection`` that resolves them."""

from __future__ import annotations

import functools
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ..core.model import Options
from ..errors import UsageError, redact
from ..render import DataFormat, Format, StatusFormat

if TYPE_CHECKING:  # the heavy layers load when a command runs, not for --help
    from ..engine.workflow import PlanRun, Selection
    from ..manifests.config import Settings
    from ..neptune import NeptuneClient

F = TypeVar("F", bound=Callable[..., Any])


Paths = Annotated[
    list[str] | None, typer.Argument(metavar="PATHS", help="Manifest files or folders (default specs/).")
]
DataFormatOpt = Annotated[DataFormat, typer.Option("--format", "-f", help="Output format.")]
StatusFormatOpt = Annotated[
    StatusFormat,
    typer.Option("--format", "-f", help="Output format (html: the fleet as one self-contained page)."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
LabelOpt = Annotated[
    list[str] | None,
    typer.Option("--label", "-l", metavar="KEY=VALUE", help="Only manifests with label key=value."),
]
TargetOpt = Annotated[
    list[str] | None, typer.Option("--target", metavar="NAME", help="Only this manifest (repeatable).")
]
ReplaceOpt = Annotated[
    list[str] | None,
    typer.Option("--replace", metavar="NAME", help="Force a full retrain of NAME (repeatable)."),
]
PromoteOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--promote",
        metavar="NAME",
        help="Let endpoint NAME take its held model update (policy.promote: manual).",
    ),
]
PruneOpt = Annotated[
    bool, typer.Option("--prune", metavar="", help="Stop or forget jobs whose manifest was removed.")
]
PruneAllOpt = Annotated[
    bool,
    typer.Option(
        "--prune-all", metavar="", help="Like --prune, also when it removes half of the manifests or more."
    ),
]
ConfirmPruneOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--confirm-prune",
        metavar="NAME",
        help="Let --prune delete endpoint NAME or stop its running job (implies --prune; repeatable).",
    ),
]
RefreshAllOpt = Annotated[
    bool,
    typer.Option(
        "--refresh-all",
        metavar="",
        help="Read every job, finished ones too (a steady plan answers those from the ledger).",
    ),
]
NoPreflightOpt = Annotated[
    bool, typer.Option("--no-s3-preflight", metavar="", help="Skip checking custom-model sources in S3.")
]
ParallelismOpt = Annotated[
    int, typer.Option("--parallelism", metavar="N", min=1, max=256, help="Concurrent API calls.")
]
ConfigOpt = Annotated[str | None, typer.Option("--config", metavar="FILE", help="Path of reconciler.yaml.")]
EnvOpt = Annotated[
    str | None, typer.Option("--env", metavar="NAME", help="Environment overlay from reconciler.yaml.")
]

# Every connection option, with the Connection field it fills; groups pick from these.
_OPTIONS: dict[str, Any] = {
    "endpoint": Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            metavar="URL",
            help="Neptune endpoint URL (env NEPTUNE_ENDPOINT).",
            show_default=False,
        ),
    ],
    "auth": Annotated[
        str | None,
        typer.Option(
            "--auth", metavar="iam|none", help="iam (SigV4-signed requests) or none (the default: unsigned)."
        ),
    ],
    "region": Annotated[
        str | None, typer.Option("--region", metavar="REGION", help="AWS region (env AWS_REGION).")
    ],
    "insecure": Annotated[
        bool,
        typer.Option("--insecure", metavar="", help="Allow plain http:// to a host that is not loopback."),
    ],
    "connect_to": Annotated[
        str | None,
        typer.Option(
            "--connect-to",
            metavar="HOST:PORT",
            show_default=False,
            help="Connect here instead of the endpoint's address (an SSH tunnel); requests are still signed for the endpoint.",
        ),
    ],
    "export_endpoint": Annotated[
        str | None,
        typer.Option(
            "--export-endpoint",
            metavar="URL",
            show_default=False,
            help="The Neptune-Export service's API, its stack's NeptuneExportApiUri (env NEPTUNE_EXPORT_ENDPOINT).",
        ),
    ],
    "state": Annotated[
        str | None,
        typer.Option(
            "--state",
            metavar="PATH|s3://BUCKET/KEY",
            help="Ledger location: a path or s3://bucket/key (env RECONCILER_STATE).",
        ),
    ],
    "s3_endpoint": Annotated[
        str | None,
        typer.Option("--s3-endpoint", metavar="URL", help="S3 endpoint override (state, preflight)."),
    ],
    "config": ConfigOpt,
    "env": EnvOpt,
}
NEPTUNE = ("endpoint", "auth", "region", "insecure", "connect_to", "export_endpoint")
STATE = ("state", "s3_endpoint", "region")
CONFIG = ("config", "env")


@dataclass(frozen=True)
class Connection:
    """The connection options a command was given (None: not given, so config or env decide)."""

    endpoint: str | None = None
    auth: str | None = None
    region: str | None = None
    insecure: bool = False
    state: str | None = None
    s3_endpoint: str | None = None
    config: str | None = None
    env: str | None = None
    connect_to: str | None = None
    export_endpoint: str | None = None

    def settings(self) -> Settings:
        """Flags over environment variables over ``reconciler.yaml``."""
        flags = {
            "endpoint": self.endpoint, "auth": self.auth, "region": self.region,
            "insecure": self.insecure or None, "state": self.state, "s3Endpoint": self.s3_endpoint,
            "connectTo": self.connect_to, "exportEndpoint": self.export_endpoint,
        }  # fmt: skip
        from ..manifests.config import resolve

        return resolve(config=self.config, env=self.env, flags=flags)


DEBUG = {"on": False}  # set by the root command's --debug


def client_from(settings: Settings, pool_size: int = 16) -> NeptuneClient:
    from ..manifests.config import require_endpoint
    from ..neptune import make_client

    endpoint = require_endpoint(settings)
    if DEBUG["on"]:
        region, source = settings.region_and_source
        via = f" via {settings.connect_to}" if settings.connect_to else ""
        sys.stderr.write(
            f"debug: {redact(endpoint)}{via}, auth {settings.auth}, region {region} (from {source})\n"
        )
    client = make_client(
        endpoint,
        auth=settings.auth,
        region=lambda: settings.region,
        insecure=settings.insecure,
        pool_size=pool_size,
        connect_to=settings.connect_to,
        origin=f"from {settings.endpoint_source}" if settings.endpoint_source else "",
    )
    from ..neptune.export import routes

    client.routes = routes(settings, pool_size)
    return client


def connected(*groups: tuple[str, ...]) -> Callable[[F], F]:
    """Declare the options of ``groups`` on a command that takes ``conn: Connection``."""
    names = list(dict.fromkeys(n for g in groups for n in g))
    defaults = {f.name: f.default for f in fields(Connection)}
    return _bundle("conn", Connection, {n: (_OPTIONS[n], defaults[n]) for n in names})


@dataclass(frozen=True)
class Scope:
    """Which manifests a command works on, and how hard it may push the API while reading."""

    paths: list[str] | None = None
    label: list[str] | None = None
    target: list[str] | None = None
    parallelism: int = 16
    no_s3_preflight: bool = False

    @property
    def selection(self) -> Selection:
        from ..engine.workflow import Selection, parse_selector

        return Selection(
            tuple(self.paths or ["specs/"]), frozenset(self.target or []), parse_selector(self.label)
        )

    def plan(self, settings: Settings, options: Options, *, dirty_check: bool = False) -> PlanRun:
        """Observe and plan this scope (reads only)."""
        from ..engine.workflow import run_plan

        client = client_from(settings, self.parallelism)
        return run_plan(
            client, settings, self.selection, options,
            parallelism=self.parallelism, s3_check=not self.no_s3_preflight, dirty_check=dirty_check,
        )  # fmt: skip


_SCOPE_OPTIONS: dict[str, tuple[Any, Any]] = {
    "paths": (Paths, None),
    "label": (LabelOpt, None),
    "target": (TargetOpt, None),
    "parallelism": (ParallelismOpt, 16),
    "no_s3_preflight": (NoPreflightOpt, False),
}


def scoped(fn: F) -> F:
    """Declare the selection options (paths, -l, --target, --parallelism, --no-s3-preflight) on a
    command that takes ``scope: Scope``."""
    return _bundle("scope", Scope, _SCOPE_OPTIONS)(fn)


def _options(
    replace: list[str] | None,
    prune: bool,
    prune_all: bool,
    promote: list[str] | None,
    confirm_prune: list[str] | None,
    refresh_all: bool,
) -> Options:
    return Options(
        replace=frozenset(replace or []), prune=prune or prune_all or bool(confirm_prune), prune_all=prune_all,
        promote=frozenset(promote or []), confirm_prune=frozenset(confirm_prune or []), refresh_all=refresh_all,
    )  # fmt: skip


def planning(fn: F) -> F:
    """Declare --replace, --prune, --prune-all, --confirm-prune and --promote on a command that
    takes ``options: Options``."""
    flags = {
        "replace": (ReplaceOpt, None), "prune": (PruneOpt, False), "prune_all": (PruneAllOpt, False),
        "promote": (PromoteOpt, None), "confirm_prune": (ConfirmPruneOpt, None),
        "refresh_all": (RefreshAllOpt, False),
    }  # fmt: skip
    return _bundle("options", _options, flags)(fn)


def _bundle(param: str, build: Callable[..., Any], options: dict[str, tuple[Any, Any]]) -> Callable[[F], F]:
    """Replace the command parameter ``param`` by ``options`` (name: (annotation, default)) in the
    signature typer reads; the command receives ``build(**values)`` in their place."""

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn, eval_str=True)
        keyword = inspect.Parameter.KEYWORD_ONLY
        own = [p.replace(kind=keyword) for p in sig.parameters.values() if p.name != param]
        extra = [inspect.Parameter(n, keyword, default=d, annotation=a) for n, (a, d) in options.items()]
        params = own + extra

        @functools.wraps(fn)
        def wrapper(**kwargs: Any) -> Any:
            values = {n: kwargs.pop(n) for n in options}
            return fn(**{param: build(**values)}, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper  # type: ignore[return-value]

    return decorate


_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION = re.compile(rf"^(?:{_NUMBER}h)?(?:{_NUMBER}m(?!s))?(?:{_NUMBER}s)?(?:{_NUMBER}ms)?$")


def parse_duration(text: str, flag: str = "duration") -> float:
    """Seconds in ``90s``, ``30m``, ``6h``, ``1h30m``, ``0.5s`` or ``200ms``: every duration
    option takes the same form. A bare number (but 0) is refused: is ``--timeout 6`` six seconds
    or six hours? So is a negative one."""
    text = text.strip()
    if text == "0":
        return 0.0
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        if text.startswith("-"):
            raise UsageError(f"{flag} {text!r} is negative", "give a length of time, e.g. 5s")
        raise UsageError(f"{flag} {text!r} has no unit", f"say {text}s, {text}m or {text}h")
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        raise UsageError(f"{flag} {text!r} is not a duration", "e.g. 90s, 30m, 6h, 1h30m, 500ms")
    h, mins, s, ms = (float(g or 0) for g in m.groups())
    return h * 3600 + mins * 60 + s + ms / 1000
