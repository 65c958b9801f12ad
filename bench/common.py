"""One benchmark row: what was measured, against which bound or target, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    what: str
    n: int | None
    value: float  # seconds, or the unit's value for absolute rows
    calls: int | None
    bound: float | None  # seconds the run can't beat, when there is one
    target: (
        float | None
    )  # the largest ratio to the bound allowed (or the absolute limit); None: a figure shown
    unit: str = "s"
    absolute: bool = False  # compare ``value`` itself to ``target`` (a limit, not a ratio)
    higher_is_better: bool = False
    median: float | None = None  # of the runs ``value`` is the minimum of, when there were several

    @property
    def ratio(self) -> float | None:
        return None if self.absolute or not self.bound else self.value / self.bound

    @property
    def ok(self) -> bool:
        if self.target is None:
            return True
        measured = self.value if self.absolute else (self.ratio or 0.0)
        return measured >= self.target if self.higher_is_better else measured <= self.target


def table(rows: list[Row]) -> str:
    head = f"{'what':<44} {'N':>6} {'value':>10} {'median':>8} {'calls':>7} {'bound':>8} {'ratio':>6} {'target':>8}  verdict"
    lines = [head, "-" * len(head)]
    for r in rows:
        value = f"{r.value:.2f} {r.unit}" if r.unit != "s" else f"{r.value:.2f} s"
        median = f"{r.median:.2f}" if r.median is not None else "-"
        bound = f"{r.bound:.2f} s" if r.bound else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        sign = "≥" if r.higher_is_better else "≤"
        target = "-" if r.target is None else f"{sign}{r.target:g}{'' if not r.absolute else ' ' + r.unit}"
        lines.append(
            f"{r.what:<44} {r.n if r.n is not None else '-':>6} {value:>10} {median:>8} "
            f"{r.calls if r.calls is not None else '-':>7} "
            f"{bound:>8} {ratio:>6} {target:>8}  {'-' if r.target is None else 'ok' if r.ok else 'MISS'}"
        )
    return "\n".join(lines)
