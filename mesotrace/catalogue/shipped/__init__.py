"""The catalogue the product ships: its data as literals (`data`) and the loader that writes
it into the database (`loader`), from a migration or `manage.py catalogue_load`."""
