"""The inventory's reads: stock of lots (`stock`) and recall campaigns (`recalls`)."""
