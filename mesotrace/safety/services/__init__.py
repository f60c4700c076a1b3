"""Writes of safety data, each audited in its transaction: events, alerts and the cluster
rule, exposure counts."""
