"""``manage.py ecrm_rebuild_profiles``: recompute every customer profile and segment.

Set-based: one aggregate query over the orders, an upsert in batches, one evaluation
per segment. ``--if-needed`` does nothing when no order was added since the last
rebuild (``make demo`` runs it on every start; only the first run computes).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from ecrm_oscar.customers import profiles, segments
from ecrm_oscar.customers.management.commands._progress import tqdm_factory


class Command(BaseCommand):
    help = "Recompute customer profiles (orders, RFM, CLV, next purchase) and segments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="Only rebuild when orders changed since the last rebuild (or never ran).",
        )
        parser.add_argument(
            "--keep-basis",
            action="store_true",
            help="Score against the current basis instead of refitting quantiles and priors.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar even on a terminal."
        )

    def handle(self, *args, if_needed=False, keep_basis=False, no_progress=False, **options):
        verbosity = options["verbosity"]
        if if_needed and not profiles.needs_rebuild():
            if verbosity > 0:
                self.stdout.write("Customer profiles are up to date, nothing to do.")
            return
        progress = tqdm_factory(verbosity > 0 and not no_progress)
        started = time.monotonic()
        report = profiles.rebuild_profiles(refit=not keep_basis, progress=progress)
        segments.ensure_rfm_segments()
        counts = segments.rebuild_segments()
        seconds = time.monotonic() - started
        if verbosity > 0:
            basis = report.basis
            self.stdout.write(
                f"Rebuilt {report.customers:,} customer profiles and {len(counts)} segments "
                f"in {seconds:.1f} s (profiles {report.seconds:.1f} s)"
                + (f"; removed {report.removed:,} stale profiles" if report.removed else "")
                + "."
            )
            if basis is not None:
                self.stdout.write(
                    f"  reference time {basis.as_of:%Y-%m-%d %H:%M}; purchase-rate prior "
                    f"r={basis.rate_shape:.3f}, alpha={basis.rate_scale:.1f} days"
                    f"{'' if basis.rate_fitted else ' (fallback)'}; order value mean "
                    f"{basis.value_mean:.2f}, credibility k={basis.value_weight:.2f}"
                    f"{'' if basis.value_fitted else ' (fallback)'}"
                )
            if verbosity > 1:
                for slug, count in counts.items():
                    self.stdout.write(f"  {count:>7,}  {slug}")
