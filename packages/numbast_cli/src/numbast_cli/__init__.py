"""numbast_cli: the ``numbast`` command."""

__version__ = "0.2.0"
