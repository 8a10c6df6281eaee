"""Read and validate the UCI Online Retail CSV into plain Python objects (no database).

Reading is the first half of the demo loader (:mod:`sandbox.demo.loader`): the whole file is
parsed and checked before a single row is written, so a corrupt or truncated file stops the
load with the line number and leaves the database untouched.

Which lines become order history, and why the others are skipped (counted, never hidden):

=======================  ==================================================================
skip reason              rule (checked in this order; a line counts under the first match)
=======================  ==================================================================
guest                    no CustomerID: guest checkouts cannot be tied to a customer
cancellation             InvoiceNo starts with ``C``: a cancellation, not a purchase
non-positive quantity    Quantity <= 0 (returns and stock corrections)
non-positive price       UnitPrice <= 0 (free samples, adjustments)
non-merchandise          StockCode in :data:`NON_MERCHANDISE` (postage, fees, discounts ...)
=======================  ==================================================================

With these rules the complete file gives the figures of its README: 396,337 lines,
4,334 customers, 3,659 products and 18,310 orders.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

#: The CSV header, exactly as the UCI data has it.
COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)

#: The data's InvoiceDate is the retailer's local (UK) time.
DATA_TIMEZONE = ZoneInfo("Europe/London")

#: Date formats accepted: the UCI CSV's own, without seconds, and Excel's US export.
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M")

#: StockCodes that are not goods: postage (POST, DOT, C2), manual entries (M, m),
#: discounts (D), charity commission (CRUK), bank charges, Amazon fees, samples (S),
#: bad-debt adjustments (B) and cushion pads given away (PADS). The README lists the first
#: eight; the others only occur on guest lines of this data but are just as little a product.
NON_MERCHANDISE = frozenset(
    {
        "POST",
        "M",
        "C2",
        "D",
        "DOT",
        "CRUK",
        "BANK CHARGES",
        "PADS",
        "m",
        "AMAZONFEE",
        "S",
        "B",
    }
)
#: Gift vouchers (``gift_0001_20`` ...) are money, not merchandise either.
NON_MERCHANDISE_PREFIXES = ("gift_",)

GUEST = "guest"
CANCELLATION = "cancellation"
NON_POSITIVE_QUANTITY = "non-positive quantity"
NON_POSITIVE_PRICE = "non-positive price"
NON_MERCHANDISE_CODE = "non-merchandise"
#: Skip reasons in the order they are checked (and reported).
SKIP_REASONS = (
    GUEST,
    CANCELLATION,
    NON_POSITIVE_QUANTITY,
    NON_POSITIVE_PRICE,
    NON_MERCHANDISE_CODE,
)

CENT = Decimal("0.01")
_GZIP_MAGIC = b"\x1f\x8b"


class DataError(ValueError):
    """The file cannot be loaded; ``line`` is the 1-based line of the file (header = 1)."""

    def __init__(self, path: Path, line: int, problem: str):
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{path.name}, line {line}: {problem}")


@dataclass(slots=True)
class Line:
    """One kept line: a customer's purchase of one product."""

    invoice: str
    code: str
    description: str
    quantity: int
    price: Decimal
    placed: datetime  # aware, Europe/London, to the minute
    customer: int
    country: str
    line_no: int


@dataclass
class Dataset:
    """Everything read from one file: the kept lines and what was skipped, by reason."""

    path: Path
    lines_read: int = 0
    lines: list[Line] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    non_merchandise: Counter = field(default_factory=Counter)  # per StockCode
    #: Every quirk, counted on its own (a guest cancellation counts as both).
    quirks: Counter = field(default_factory=Counter)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


@dataclass
class ProductInfo:
    """A StockCode as the catalogue will show it, derived from its kept lines."""

    code: str
    description: str  # the most frequent description
    price: Decimal  # the unit price of its most recent line
    units_sold: int
    customers: int
    first_sold: datetime
    last_sold: datetime

    @property
    def num_in_stock(self) -> int:
        """About a month of the year's sales (the data spans one year), at least 1."""
        return max(1, math.ceil(self.units_sold / 12))


@dataclass
class OrderInfo:
    """One order: a customer's invoices placed in the same minute (the README's rule)."""

    number: str
    customer: int
    placed: datetime
    country: str
    invoices: tuple[str, ...]
    lines: list[Line]

    @property
    def total(self) -> Decimal:
        return sum((line_total(line) for line in self.lines), Decimal("0.00"))


def line_total(line: Line) -> Decimal:
    """Quantity times unit price, to the penny (the data has no tax)."""
    return (line.price * line.quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def is_non_merchandise(code: str) -> bool:
    return code in NON_MERCHANDISE or code.startswith(NON_MERCHANDISE_PREFIXES)


def _open_text(path: Path) -> tuple[io.TextIOWrapper, Callable[[], int], int]:
    """Open ``path`` (gzip or plain CSV) as text; also return a byte-position probe and size."""
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    size = path.stat().st_size
    if magic == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    elif path.suffix == ".gz":
        raw.close()
        raise DataError(path, 1, "this is not a gzip file (the .gz name promises one)")
    else:
        stream = raw
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    return text, raw.tell, size


def _rows(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, row), turning every low-level failure into a DataError."""
    text, tell, _ = _open_text(path)
    reader = csv.reader(text, strict=True)
    last_pos = 0
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except EOFError:
                raise DataError(
                    path,
                    reader.line_num + 1,
                    f"the file is truncated: the gzip stream ends early, after line "
                    f"{reader.line_num} (download or copy it again)",
                ) from None
            except (gzip.BadGzipFile, zlib.error) as exc:
                raise DataError(
                    path,
                    reader.line_num + 1,
                    f"the gzip data is corrupt after line {reader.line_num} ({exc})",
                ) from None
            except UnicodeDecodeError as exc:
                raise DataError(
                    path, reader.line_num + 1, f"the text is not UTF-8 ({exc.reason})"
                ) from None
            except csv.Error as exc:
                raise DataError(path, reader.line_num, f"malformed CSV ({exc})") from None
            yield reader.line_num, row
            if progress is not None and reader.line_num % 4096 == 0:
                pos = tell()
                progress(pos - last_pos)
                last_pos = pos
    finally:
        if progress is not None:
            progress(max(0, tell() - last_pos))
        text.close()


class _Parser:
    """Field parsers with caches: the data repeats the same dates and prices a lot."""

    def __init__(self, path: Path):
        self.path = path
        self.dates: dict[str, datetime] = {}
        self.prices: dict[str, Decimal] = {}
        self.customers: dict[str, int | None] = {}
        self.countries: dict[str, str] = {}
        self.descriptions: dict[str, str] = {}

    def date(self, value: str, line_no: int) -> datetime:
        parsed = self.dates.get(value)
        if parsed is None:
            for fmt in DATE_FORMATS:
                try:
                    naive = datetime.strptime(value.strip(), fmt)
                    break
                except ValueError:
                    continue
            else:
                raise DataError(
                    self.path,
                    line_no,
                    f"InvoiceDate {value!r} is not a date like 2010-12-01 08:26:00",
                )
            parsed = self.dates[value] = naive.replace(second=0, tzinfo=DATA_TIMEZONE)
        return parsed

    def price(self, value: str, line_no: int) -> Decimal:
        parsed = self.prices.get(value)
        if parsed is None:
            try:
                parsed = Decimal(value.strip())
            except InvalidOperation:
                parsed = None
            if parsed is None or not parsed.is_finite():
                raise DataError(self.path, line_no, f"UnitPrice {value!r} is not a number")
            self.prices[value] = parsed
        return parsed

    def customer(self, value: str, line_no: int) -> int | None:
        try:
            return self.customers[value]
        except KeyError:
            pass
        parsed: int | None = None
        if value.strip():
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite() or number != number.to_integral_value() or number <= 0:
                raise DataError(
                    self.path, line_no, f"CustomerID {value!r} is not a customer number"
                )
            parsed = int(number)
        self.customers[value] = parsed
        return parsed

    @staticmethod
    def quantity(value: str, path: Path, line_no: int) -> int:
        try:
            return int(value)
        except ValueError:
            raise DataError(path, line_no, f"Quantity {value!r} is not a whole number") from None

    def intern(self, cache: dict[str, str], value: str) -> str:
        return cache.setdefault(value, value)


def read_dataset(path: Path, progress: Callable[[int], None] | None = None) -> Dataset:
    """Parse and validate every line of ``path``; keep the lines that are order history.

    ``progress`` is called with the number of (compressed) bytes read since the last call.
    Raises :class:`DataError` naming the line for anything the loader could not trust.
    """
    data = Dataset(path=path)
    parser = _Parser(path)
    rows = _rows(path, progress)
    first = next(rows, None)
    if first is None:
        raise DataError(path, 1, "the file is empty (expected a header line)")
    header = tuple(c.strip().lstrip("\ufeff") for c in first[1])
    if header != COLUMNS:
        raise DataError(
            path, 1, f"unexpected header {','.join(header)!r}; expected {','.join(COLUMNS)}"
        )
    for line_no, row in rows:
        if len(row) != len(COLUMNS):
            if not row:  # a blank line, e.g. at the end of a hand-edited file
                continue
            raise DataError(
                path, line_no, f"expected {len(COLUMNS)} columns, found {len(row)}: {row!r}"
            )
        invoice, code, description, quantity, date, price, customer, country = row
        if not invoice.strip() or not code.strip():
            raise DataError(path, line_no, "InvoiceNo and StockCode must not be empty")
        data.lines_read += 1
        # Validate every field of every line, kept or not: a bad value anywhere means the
        # file is not what we think it is.
        qty = parser.quantity(quantity, path, line_no)
        unit_price = parser.price(price, line_no)
        placed = parser.date(date, line_no)
        customer_id = parser.customer(customer, line_no)
        code = code.strip()
        quirks = [
            reason
            for reason, present in (
                (GUEST, customer_id is None),
                (CANCELLATION, invoice.startswith("C")),
                (NON_POSITIVE_QUANTITY, qty <= 0),
                (NON_POSITIVE_PRICE, unit_price <= 0),
                (NON_MERCHANDISE_CODE, is_non_merchandise(code)),
            )
            if present
        ]
        if quirks:
            data.skipped[quirks[0]] += 1
            data.quirks.update(quirks)
            if NON_MERCHANDISE_CODE in quirks:
                data.non_merchandise[code] += 1
            continue
        assert customer_id is not None  # for type checkers: guests were skipped above
        data.lines.append(
            Line(
                invoice=parser.intern(parser.descriptions, invoice.strip()),
                code=parser.intern(parser.descriptions, code),
                description=parser.intern(parser.descriptions, " ".join(description.split())),
                quantity=qty,
                price=unit_price,
                placed=placed,
                customer=customer_id,
                country=parser.intern(parser.countries, country.strip() or "Unspecified"),
                line_no=line_no,
            )
        )
    return data


def summarise_products(lines: Iterable[Line]) -> dict[str, ProductInfo]:
    """One :class:`ProductInfo` per StockCode of the kept lines.

    A few StockCodes carry several descriptions: the most frequent wins (then the most
    recent). The price is the unit price of the most recent line (the later line of the
    file on a tie), i.e. what the shop last charged.
    """
    names: dict[str, Counter] = defaultdict(Counter)
    name_seen: dict[tuple[str, str], tuple[datetime, int]] = {}
    latest: dict[str, Line] = {}
    units: Counter = Counter()
    buyers: dict[str, set[int]] = defaultdict(set)
    first: dict[str, datetime] = {}
    for line in lines:
        code = line.code
        if line.description:
            names[code][line.description] += 1
            name_seen[(code, line.description)] = (line.placed, line.line_no)
        current = latest.get(code)
        if current is None or (line.placed, line.line_no) >= (current.placed, current.line_no):
            latest[code] = line
        units[code] += line.quantity
        buyers[code].add(line.customer)
        if code not in first or line.placed < first[code]:
            first[code] = line.placed
    products = {}
    for code, last in latest.items():
        counts = names.get(code)
        description = code
        if counts:
            description = max(counts, key=lambda d: (counts[d], name_seen[(code, d)]))
        products[code] = ProductInfo(
            code=code,
            description=description,
            price=last.price.quantize(CENT, rounding=ROUND_HALF_UP),
            units_sold=units[code],
            customers=len(buyers[code]),
            first_sold=first[code],
            last_sold=last.placed,
        )
    return products


def group_orders(lines: Iterable[Line]) -> list[OrderInfo]:
    """Group kept lines into orders: one per (customer, minute), in time order.

    The order number is the group's first invoice number. 43 invoices of the full data
    straddle a minute boundary, so two orders can share a first invoice: the later one
    gets a ``-2`` suffix (then ``-3`` ...), which keeps numbers unique and stable.
    """
    groups: dict[tuple[int, datetime], list[Line]] = defaultdict(list)
    for line in lines:
        groups[(line.customer, line.placed)].append(line)
    orders = []
    for (customer, placed), group in groups.items():
        invoices = tuple(sorted({line.invoice for line in group}, key=lambda i: (len(i), i)))
        orders.append(
            OrderInfo(
                number=invoices[0],
                customer=customer,
                placed=placed,
                country=group[0].country,
                invoices=invoices,
                lines=group,
            )
        )
    orders.sort(key=lambda o: (o.placed, o.number, o.customer))
    used: Counter = Counter()
    for order in orders:
        base = order.number
        used[base] += 1
        if used[base] > 1:
            order.number = f"{base}-{used[base]}"
    return orders


# --- presentation -------------------------------------------------------------------

_SMALL_WORDS = frozenset(
    {"A", "AN", "AND", "AS", "AT", "BY", "FOR", "IN", "OF", "ON", "OR", "THE", "TO", "WITH"}
)
_ACRONYMS = frozenset(
    {"LED", "UK", "USA", "NY", "DIY", "BBQ", "CD", "DVD", "PVC", "XL", "XXL", "II", "III"}
)
_UNITS = frozenset({"CM", "MM", "G", "KG", "ML", "PC", "PCS"})
_PIECES = re.compile(r"([A-Za-z']+|[^A-Za-z']+)")
_COMMA = re.compile(r"\s*,\s*")


def _case_word(word: str, first: bool) -> str:
    upper = word.upper()
    if not first and upper in _SMALL_WORDS:
        return upper.lower()
    if upper in _ACRONYMS:
        return upper
    out = []
    after_digit = False
    for piece in _PIECES.findall(upper):
        if piece[0].isalpha() or piece[0] == "'":
            if after_digit and piece in _UNITS:
                piece = piece.lower()  # 60CM -> 60cm
            elif len(piece) > 1:
                piece = piece[0] + piece[1:].lower()  # YOU'RE -> You're, 'S -> 's
        out.append(piece)
        after_digit = piece[-1].isdigit()
    return "".join(out)


def title_case(description: str) -> str:
    """Turn the data's upper-case descriptions into readable titles.

    ``WHITE HANGING HEART T-LIGHT HOLDER`` -> ``White Hanging Heart T-Light Holder``;
    small words stay lower case (``Set of 3``), units follow numbers (``60cm``),
    apostrophes do not start words (``You're``, ``50's``), commas get one space after
    and a trailing full stop goes.
    """
    words = _COMMA.sub(", ", description.strip().rstrip(".")).split()
    return " ".join(_case_word(w, i == 0) for i, w in enumerate(words))
