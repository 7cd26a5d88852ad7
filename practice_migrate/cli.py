"""The `practice-migrate` console script: what Dagster does not do (DESIGN.md §7)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from practice_migrate import customers_cmd, mapping_cmd, template_cmd, trace


def build_parser() -> argparse.ArgumentParser:
    from emulators import cli as emulators_cli
    from synthetic import cli as synthetic_cli

    parser = argparse.ArgumentParser(
        prog="practice-migrate",
        description="Practice-data migration: customers, synthetic practices, local emulators and record traces. "
        "Runs, checks, signoff and rollback happen in Dagster (`make dev`).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    customers_cmd.add_arguments(sub.add_parser("customers", help="list, validate and register customer configurations"))
    synthetic_cli.add_arguments(
        sub.add_parser("generate", help="write a synthetic practice dump with its ground-truth manifest")
    )
    template_cmd.add_arguments(
        sub.add_parser("template", help="write the generic practice template (CSV or XLSX), or validate a filled one")
    )
    emulators_cli.add_arguments(
        sub.add_parser("emulators", help="start the local Dataverse and Entra ID emulators on free loopback ports")
    )
    mapping_cmd.add_arguments(
        sub.add_parser("mapping", help="propose a mapping for an unseen export and confirm it (a person decides)")
    )
    trace.add_arguments(
        sub.add_parser(
            "trace", help="print one record's chain across hops: source rows, target records, runs, operators"
        )
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "customers":
        return customers_cmd.run(args)
    if args.command == "trace":
        return trace.run(args)
    if args.command == "template":
        return template_cmd.run(args)
    if args.command == "mapping":
        return mapping_cmd.run(args)
    if args.command == "generate":
        from synthetic import cli as synthetic_cli

        return synthetic_cli.run(args)
    from emulators import cli as emulators_cli

    return emulators_cli.run(args)


if __name__ == "__main__":
    sys.exit(main())
