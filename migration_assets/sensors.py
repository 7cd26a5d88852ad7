"""Sensors: new dumps in the landing area start trial (or live) runs."""

# No `from __future__ import annotations`: Dagster resolves the sensor functions' annotations itself.

import json

import dagster as dg

from customers import CustomerConfigError, MigrationHome
from migration_assets.jobs import staging_job_name
from migration_assets.partitions import customer_partitions
from migration_assets.resources import MigrationHomeResource
from sources import landing

DUMP_ARRIVAL_INTERVAL_SECONDS = 60


def build_dump_arrival_sensor(jobs: "list[dg.UnresolvedAssetJobDefinition]") -> dg.SensorDefinition:
    by_name = {job.name: job for job in jobs}

    @dg.sensor(
        name="dump_arrival",
        jobs=list(jobs),
        minimum_interval_seconds=DUMP_ARRIVAL_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Watches $MIGRATION_HOME/landing/<customer>/<trial|live>/<delivery>/. A complete delivery "
        "by its source system's rule (manifest present and every file's size and sha256 as listed; or, for an "
        "export without a manifest, the expected files present and the checksums computed here unchanged "
        "since the previous look) with a valid customer.yaml registers the customer, adds its partition if "
        "new and runs its source system's job. The run key is the delivery's fingerprint: a re-delivered "
        "dump runs once.",
    )
    def dump_arrival(context: dg.SensorEvaluationContext, migration_home: MigrationHomeResource):
        home: MigrationHome = migration_home.home
        # Cursor: deliveries already requested, and deliveries whose checksums were verified (a large
        # dump is hashed once, even while its configuration still needs fixing).
        cursor = json.loads(context.cursor) if context.cursor else {}
        seen: dict[str, str] = cursor.get("requested", {})
        verified: dict[str, str] = cursor.get("verified", {})
        # Computed fingerprints seen once: a delivery without a manifest runs when the next look agrees.
        settling: dict[str, str] = cursor.get("settling", {})
        known = set(context.instance.get_dynamic_partitions(customer_partitions.name))
        new_partitions: list[str] = []
        requests, notes = [], []
        for delivery in landing.scan(home.landing, registered=home.config_dir):
            fingerprint = delivery.fingerprint()
            if fingerprint is not None and seen.get(str(delivery.path)) == fingerprint:
                continue  # already verified and requested
            if fingerprint is None or verified.get(str(delivery.path)) != fingerprint:
                problems = landing.verify(delivery)
                if problems:
                    settling.pop(str(delivery.path), None)
                    notes.append(f"{delivery.customer_id}|{delivery.run_kind}: " + "; ".join(problems[:3]))
                    continue
                if delivery.rule.settles and settling.get(str(delivery.path)) != fingerprint:
                    settling[str(delivery.path)] = fingerprint or ""
                    notes.append(
                        f"{delivery.customer_id}|{delivery.run_kind}: {delivery.path}: files checksummed; "
                        "runs when the next look finds them unchanged (no manifest to say the copy is complete)"
                    )
                    continue
                settling.pop(str(delivery.path), None)
                verified[str(delivery.path)] = fingerprint or ""
            try:
                # A registered customer's configuration wins over the customer.yaml a delivery brings.
                config = home.register_delivery(delivery.customer_id, delivery.run_kind, delivery.path, delivery.config)
            except CustomerConfigError as exc:
                notes.append(f"{delivery.customer_id}|{delivery.run_kind}: {exc}")
                continue
            if config.customer_id not in known and config.customer_id not in new_partitions:
                new_partitions.append(config.customer_id)
            job = by_name.get(staging_job_name(config.source.system))
            if job is None:
                notes.append(f"{config.customer_id}: no job for source system {config.source.system}")
                continue
            seen[str(delivery.path)] = fingerprint or ""
            requests.append(
                dg.RunRequest(
                    job_name=job.name,
                    run_key=f"{config.customer_id}|{delivery.run_kind}|{fingerprint}",
                    partition_key=dg.MultiPartitionKey({"customer": config.customer_id, "run": delivery.run_kind}),
                    tags={
                        "migration/delivery": str(delivery.path),
                        "migration/dump_checksum": fingerprint or "",
                        "migration/run_kind": delivery.run_kind,
                        # Live runs go ahead of queued trials (a go-live has a date; trials can wait).
                        "dagster/priority": "10" if delivery.run_kind == "live" else "0",
                    },
                )
            )
        for note in notes:
            context.log.warning(note)
        if not requests and not new_partitions:
            return dg.SensorResult(
                skip_reason=dg.SkipReason("; ".join(notes) or "no new complete delivery"),
                cursor=json.dumps({"requested": seen, "verified": verified, "settling": settling}, sort_keys=True),
            )
        return dg.SensorResult(
            run_requests=requests,
            cursor=json.dumps({"requested": seen, "verified": verified, "settling": settling}, sort_keys=True),
            dynamic_partitions_requests=[customer_partitions.build_add_request(new_partitions)]
            if new_partitions
            else [],
        )

    return dump_arrival
