"""Treatment rules with no database: screening, the body map, clinic time and the calendar grid."""
