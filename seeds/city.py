"""`flask seed city --patients N`: a city's worth of data for scale work.

The directory (seeds.city_directory) first, then the patients in batches of B: patient n's Patient,
Encounters, Observations, Conditions and MedicationRequests come from
`fhir_generator.patient_history(seed, n)` (its own random stream, fixed ids), and each batch is
written through `records.api.upsert_many` - validation, search-index and compartment rows, one audit
entry - and committed on its own. A batch is therefore either wholly stored or not at all, and a
rerun (after Ctrl-C, a crash, or --stop-after) asks which of a batch's Patients exist and writes only
the missing patients: totals come out exact and nothing is duplicated, whatever the batch size.
"""
import sys
import time
from dataclasses import dataclass, field

import click

from core.auth import SYSTEM
from core.extensions import db
from records import api as records
from seeds import city_directory, fhir_generator


LOG_EVERY_SECONDS = 30


@dataclass
class Progress:
    """What a run did: batches written or skipped, resources written, and the time spent."""

    batches_written: int = 0
    batches_skipped: int = 0
    patients: int = 0
    resources: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    directory: dict = field(default_factory=dict)

    @property
    def rate(self):
        return self.resources / self.wall if self.wall else 0.0


def write_batch(seed, numbers):
    """Write the missing patients among `numbers` with their histories; return (patients, resources) written."""
    ids = {n: fhir_generator.city_patient_id(seed, n) for n in numbers}
    done = records.existing_ids(SYSTEM, "Patient", list(ids.values()))
    todo = [n for n in numbers if ids[n] not in done]
    resources = [r for n in todo
                 for r in fhir_generator.patient_history(seed, n, city_directory.practitioner_of(seed, n))]
    if resources:
        records.upsert_many(SYSTEM, resources)
    return len(todo), len(resources)


def run(patients, seed=1, pharmacies=None, batch=200, stop_after=None):
    """Load the city (idempotent, resumable); stop after `stop_after` written batches if given."""
    started, cpu = time.perf_counter(), time.process_time()
    progress = Progress()
    progress.directory = city_directory.load(seed, patients, pharmacies)
    db.session.commit()
    starts = range(0, patients, batch)

    def rate(_):
        elapsed = time.perf_counter() - started
        return f"{progress.resources:,} resources, {progress.resources / elapsed if elapsed else 0:,.0f}/s"

    logged, no_terminal = started, not sys.stdout.isatty()  # then the bar is not drawn: print the rate now and then
    with click.progressbar(starts, label=f"{patients:,} patients", item_show_func=rate) as bar:
        for start in bar:
            if no_terminal and time.perf_counter() - logged >= LOG_EVERY_SECONDS:
                logged = time.perf_counter()
                click.echo(f"{progress.patients:,} patients, {rate(None)}")
            if stop_after is not None and progress.batches_written >= stop_after:
                break
            written, resources = write_batch(seed, range(start, min(patients, start + batch)))
            db.session.commit()  # one transaction per batch: the unit a rerun skips
            progress.patients += written
            progress.resources += resources
            if written:
                progress.batches_written += 1
            else:
                progress.batches_skipped += 1
    progress.wall, progress.cpu = time.perf_counter() - started, time.process_time() - cpu
    return progress


def report(progress):
    """The summary lines printed at the end."""
    per = progress.cpu / progress.resources * 1e6 if progress.resources else 0
    return [f"directory: {progress.directory}",
            f"batches: {progress.batches_written} written, {progress.batches_skipped} already done",
            f"written: {progress.patients:,} patients, {progress.resources:,} resources in {progress.wall:.1f}s "
            f"({progress.rate:,.0f} resources/s; CPU {progress.cpu:.1f}s = {per:.0f} us/resource)"]
