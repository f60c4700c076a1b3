"""Treatment reads, by topic: plans and their screening, the schedule."""
