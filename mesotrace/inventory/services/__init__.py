"""The inventory's writes: stock of lots (`stock`) and recall campaigns (`recalls`)."""
