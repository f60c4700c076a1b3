"""Treatment pages, by topic: plans and their screening, the schedule."""
