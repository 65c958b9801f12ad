"""Manifests and configuration: YAML with positions, schemas, rules, config, ``Desired`` records."""
