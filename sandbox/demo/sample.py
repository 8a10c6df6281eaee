"""Make the demo's shipped subset of the UCI Online Retail data, reproducibly.

The complete data (541,909 lines, 7.6 MB gzipped) is too big to ship in the repository, so
the demo ships a deterministic fifth of it, chosen so every quirk of the real data stays in:

* every line of every customer whose ``int(CustomerID) % 5 == 0`` (their whole history,
  cancellations, non-positive lines and postage included), and
* every guest line (no CustomerID) whose invoice number's digits ``% 5 == 0`` (so guest
  checkouts, guest cancellations and the ``A`` bad-debt adjustments stay represented).

Lines are copied byte for byte in their original order, and the gzip header carries no
file name or time stamp, so the same input always gives the same output file::

    python sandbox/manage.py ecrm_make_demo_sample --source ../shared/data/online_retail.csv.gz
    python -m sandbox.demo.sample SOURCE [TARGET]          # the same, without Django
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: Where the shipped subset lives (next to its README with the CC BY 4.0 attribution).
SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "online_retail_sample.csv.gz"

#: One customer or guest invoice in this many is kept.
MODULUS = 5

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class SampleStats:
    """What :func:`make_sample` read and wrote (for the command's report)."""

    lines_read: int
    lines_written: int
    customers: int
    guest_invoices: int
    bytes_written: int


def keep(invoice_no: str, customer_id: str) -> bool:
    """The subset rule: customer id divisible by 5, or a guest invoice number that is."""
    if customer_id.strip():
        return int(float(customer_id)) % MODULUS == 0
    digits = _DIGITS.search(invoice_no)
    return digits is not None and int(digits.group()) % MODULUS == 0


def make_sample(source: Path, target: Path = SAMPLE_PATH) -> SampleStats:
    """Copy the lines of ``source`` that :func:`keep` selects into the gzip file ``target``."""
    customers: set[str] = set()
    guest_invoices: set[str] = set()
    read = written = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 and no file name in the gzip header: the output bytes depend on the input only.
    with (
        gzip.open(source, "rt", encoding="utf-8", newline="") as src,
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        out = io.TextIOWrapper(gz, encoding="utf-8", newline="")
        out.write(src.readline())  # the header
        for line in src:
            read += 1
            row = next(csv.reader([line]))
            invoice_no, customer_id = row[0], row[6]
            if keep(invoice_no, customer_id):
                out.write(line)
                written += 1
                if customer_id:
                    customers.add(customer_id)
                else:
                    guest_invoices.add(invoice_no)
        out.flush()
        out.detach()
    return SampleStats(read, written, len(customers), len(guest_invoices), target.stat().st_size)


def main(argv: list[str] | None = None) -> None:
    """``python -m sandbox.demo.sample SOURCE [TARGET]``."""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        raise SystemExit("usage: python -m sandbox.demo.sample SOURCE.csv.gz [TARGET.csv.gz]")
    target = Path(args[1]) if len(args) == 2 else SAMPLE_PATH
    stats = make_sample(Path(args[0]), target)
    print(
        f"{target}: {stats.lines_written:,} of {stats.lines_read:,} lines "
        f"({stats.customers:,} customers, {stats.guest_invoices:,} guest invoices), "
        f"{stats.bytes_written / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
