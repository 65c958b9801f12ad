"""The click classes every command and group is declared with (how ``--help`` shows them)."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

__all__ = ["Command", "Group", "command_group"]


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
