"""The pure core: plan model, action kinds, manifest kinds, identity, diff, cost, decision rules,
ledger records and settlement. Plain data in, frozen records out; no network, files or terminal.
"""
