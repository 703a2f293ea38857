"""Placeholder until the cli issue lands."""


def main() -> None:
    raise SystemExit("numbast: not implemented yet")


def legacy_main() -> None:
    main()
