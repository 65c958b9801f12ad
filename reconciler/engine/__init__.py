"""Workflows the commands share: observe, apply, wait, saved plans, and the plan/apply runs."""
