"""Problems found while loading and validating: data, not exceptions, so one run reports all."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, located at ``file:line:column`` (1-based)."""

    file: str
    line: int
    column: int
    code: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        level = "" if self.severity == ERROR else f"{self.severity}: "
        return f"{self.file}:{self.line}:{self.column}: {self.code}: {level}{self.message}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)
