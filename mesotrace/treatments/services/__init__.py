"""Treatment writes, by topic: plans and their screening, the schedule."""
