"""The click classes every command and group is declared with (how ``--help`` shows them)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

__all__ = ["Command", "Group", "LazyCommands", "Listed", "command_group"]


def _untyped_help(option: Any) -> Any:
    """``--help`` is a flag: shown without the ``<bool>`` type tag typer gives it."""
    if option is not None:
        option.metavar = ""
    return option


class Command(TyperCommand):
    """Every command's class: ``--help`` shown as a flag, arguments by name without the
    ``<str>``/``<list[str]>`` type tags typer gives them (their help says what they take)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                setattr(param, "display_type_rich", lambda ctx: None)  # noqa: B010

    def get_help_option(self, ctx: Any) -> Any:
        return _untyped_help(super().get_help_option(ctx))


class Group(TyperGroup):
    """Every command group's class (``--help`` shown as a flag)."""

    def get_help_option(self, ctx: Any) -> Any:
        return _untyped_help(super().get_help_option(ctx))


def command_group(help: str, cls: type[TyperGroup] = Group, **extra: Any) -> typer.Typer:
    """A command group (the root too): no arguments shows its help, in click's plain layout
    (typer's rich help imports rich.markdown and markdown-it, ~0.15 s of every start)."""
    return typer.Typer(cls=cls, no_args_is_help=True, rich_markup_mode=None, help=help, **extra)


@dataclass(frozen=True)
class Listed:
    """A command of a group's table: ``module:attribute`` (a function, or a command group) and the
    line the group's ``--help`` lists it with."""

    target: str
    summary: str

    def short(self, limit: int) -> str:
        """The summary cut to ``limit`` characters as click cuts a command's help."""
        from typer._click.utils import make_default_short_help

        return make_default_short_help(self.summary, limit)


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, each imported and built (by typer) the first time it is asked
    for; the names are known without building any."""

    def __init__(self, package: str, table: dict[str, Listed]) -> None:
        self.package, self.table = package, table
        self.built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.built:
            module, attribute = self.table[name].target.split(":")
            self.built[name] = _build(
                name, getattr(importlib.import_module(self.package + module), attribute)
            )
        return self.built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("a command table is fixed")

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self.table), **dict.fromkeys(self.built)})

    def __len__(self) -> int:
        return len(self.table.keys() | self.built.keys())


def _build(name: str, target: Any) -> Any:
    """The click command typer makes of a function (with ``Command``) or of a command group."""
    from typer.main import get_command_from_info, get_group
    from typer.models import CommandInfo

    if isinstance(target, typer.Typer):
        group = get_group(target)
        group.name = name
        return group
    info = CommandInfo(name=name, cls=Command, callback=target)
    return get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None)
