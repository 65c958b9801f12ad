"""What a job may cost at most, in instance-hours (shown in every plan that starts one)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    instance_type: str
    instance_hours: float
    hpo_jobs: int
    timeout_seconds: int

    def describe(self) -> str:
        hours = self.timeout_seconds / 3600
        return (
            f"at most {self.instance_hours:g} instance-hours of {self.instance_type} "
            f"({self.hpo_jobs} HPO jobs × {hours:g}h timeout)"
        )
