"""Makes ``python -m numbast`` work; the command itself lives in :mod:`numbast_cli`."""
