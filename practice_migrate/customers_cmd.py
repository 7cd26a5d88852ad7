"""`practice-migrate customers list | validate [FILE…] | add FILE | purge ID [--yes]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from customers import CustomerConfigError, MigrationHome, default_home, load_customer_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, default=None, help="migration home (default: $MIGRATION_HOME, else ./var)")
    sub = parser.add_subparsers(dest="customers_command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="registered customers, their source system and whether their partition exists")
    validate = sub.add_parser("validate", help="validate customer YAML files (default: every registered one)")
    validate.add_argument("files", nargs="*", type=Path, metavar="FILE")
    add = sub.add_parser("add", help="validate FILE, register it in the migration home and add its partition")
    add.add_argument("file", type=Path, metavar="FILE")
    purge = sub.add_parser(
        "purge",
        help="remove everything of one customer on this machine: its configuration, its folder (warehouse, "
        "reports, extracts), its landing folder and its partition on the instance",
    )
    purge.add_argument("customer_id", metavar="ID")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _instance():
    import dagster as dg

    return dg.DagsterInstance.get()


def run(args: argparse.Namespace) -> int:
    home = MigrationHome((args.home or default_home()).resolve())
    if args.customers_command == "validate":
        files = args.files or [home.config_path(c) for c in home.customer_ids()]
        if not files:
            print(f"no customer configurations registered in {home.config_dir}", file=sys.stderr)
            return 1
        failed = 0
        for path in files:
            try:
                config = load_customer_config(path)
                problems = home.placement_problems(config)
                if problems:
                    raise CustomerConfigError(str(path), problems)
            except CustomerConfigError as exc:
                failed += 1
                print(f"INVALID {exc}", file=sys.stderr)
            else:
                notes = "".join(f"; note: {n}" for n in config.read_notes)
                print(f"ok      {path}: {config.customer_id} ({config.source.system}, {config.country}){notes}")
        return 1 if failed else 0
    if args.customers_command == "purge":
        return _purge(home, args.customer_id, confirmed=args.yes)
    if args.customers_command == "add":
        try:
            config = home.register(args.file)
        except CustomerConfigError as exc:
            print(f"INVALID {exc}", file=sys.stderr)
            return 1
        from migration_assets.partitions import add_customer_partition

        added = add_customer_partition(_instance(), config.customer_id)
        state = "added its partition" if added else "partition already existed"
        print(f"registered {config.customer_id} in {home.config_path(config.customer_id)}; {state}")
        return 0
    partitions = set(_instance().get_dynamic_partitions("customer"))
    rows = list(home.iter_configs())
    if not rows:
        print(f"no customers registered in {home.config_dir}")
        return 0
    for customer_id, config in rows:
        partition = "partition" if customer_id in partitions else "NO PARTITION (run `customers add`)"
        if isinstance(config, CustomerConfigError):
            print(f"{customer_id:<24} INVALID configuration ({len(config.problems)} problems)  {partition}")
        else:
            print(f"{customer_id:<24} {config.source.system:<10} {config.country}  {config.time_zone:<20} {partition}")
    return 0


def _purge(home: MigrationHome, customer_id: str, *, confirmed: bool) -> int:
    """Remove one customer's files and partition, saying what went (DESIGN §7, issue 15 item 9)."""
    try:
        paths, elsewhere = home.customer_paths(customer_id)
    except ValueError as exc:
        print(f"INVALID {exc}", file=sys.stderr)
        return 2
    instance = _instance()
    partition = instance.has_dynamic_partition("customer", customer_id)
    if not paths and not partition:
        print(f"nothing of customer {customer_id} on this machine ({home.root}, {instance.root_directory})")
        return 0
    print(f"customer {customer_id}: will remove")
    for path in paths:
        print(f"  {path}")
    if partition:
        print(f"  partition {customer_id!r} of 'customer' on the instance in {instance.root_directory}")
    if not confirmed:
        if not sys.stdin.isatty():
            print("refused: not confirmed (pass --yes when not at a terminal)", file=sys.stderr)
            return 1
        if input(f"type {customer_id} to remove it: ").strip() != customer_id:
            print("not removed", file=sys.stderr)
            return 1
    for path in home.purge(customer_id):
        print(f"removed {path}")
    if partition:
        instance.delete_dynamic_partition("customer", customer_id)
        print(f"removed partition {customer_id!r} of 'customer' (runs already in the instance's history are kept)")
    for path in elsewhere:
        print(f"left in place (outside this customer's folders, remove it yourself if it is theirs): {path}")
    return 0
