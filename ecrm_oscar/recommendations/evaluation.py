"""Offline evaluation of recommenders on any CSV of purchases (leave-last-order-out).

The protocol is fixed so figures are comparable with the reference table in the data
README and across projects:

* an order is (user, order id) when an order column is given, else (user, timestamp
  truncated to the minute);
* every user with two or more orders has their last order held out; training is every
  other order of every user (users with one order train only);
* mode ``all`` lets already-bought items count; mode ``new`` removes the user's training
  items from lists and targets and drops users with no new target item;
* target items missing from the training catalogue still count (they can never be hit);
* HitRate@k, Recall@k (hits / targets), NDCG@k (binary gains, ideal DCG over
  min(targets, k) positions), all averaged over evaluated users, and catalogue
  coverage@k (distinct recommended items / training catalogue).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from ecrm_oscar.recommendations.algorithms import Interactions

DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M")

Orders = dict[str, dict[str, set[str]]]  # user -> order key -> items


class PurchaseDataError(ValueError):
    """The purchases file cannot be read; the message names the line."""


@dataclass(frozen=True)
class PurchaseColumns:
    """How to read a purchases CSV: column names and which rows are not purchases."""

    user: str
    item: str
    timestamp: str
    order: str | None = None
    quantity: str | None = None
    price: str | None = None
    exclude_items: frozenset[str] = frozenset()
    exclude_item_prefixes: tuple[str, ...] = ()
    delimiter: str = ","


@dataclass
class ReadReport:
    lines: int = 0
    kept: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _open_text(path: Path):
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def _minute(value: str, line: int) -> str:
    text = value.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            continue
    raise PurchaseDataError(f"line {line}: cannot read the timestamp {value[:40]!r}")


def _number(value: str, column: str, line: int) -> float:
    try:
        return float(value)
    except ValueError:
        raise PurchaseDataError(f"line {line}: {column} is not a number: {value[:40]!r}") from None


def read_orders(path: str | Path, columns: PurchaseColumns) -> tuple[Orders, ReadReport]:
    """Group the file's purchase rows into orders; rows without a user are guests, skipped."""
    path = Path(path)
    if not path.is_file():
        raise PurchaseDataError(f"{path}: no such file")
    orders: Orders = defaultdict(lambda: defaultdict(set))
    order_start: dict[tuple[str, str], str] = {}
    by_order: dict[tuple[str, str], set[str]] = defaultdict(set)
    report = ReadReport()
    line = 1
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle, delimiter=columns.delimiter)
            header = reader.fieldnames or []
            wanted = [columns.user, columns.item, columns.timestamp]
            wanted += [c for c in (columns.order, columns.quantity, columns.price) if c]
            missing = [name for name in wanted if name not in header]
            if missing:
                raise PurchaseDataError(
                    f"line 1: missing column(s) {', '.join(missing)}; the header has "
                    f"{', '.join(header) or 'nothing'}"
                )
            for row in reader:
                line = reader.line_num
                report.lines += 1
                if None in row or any(row.get(name) is None for name in wanted):
                    raise PurchaseDataError(
                        f"line {line}: expected {len(header)} fields, found a different number"
                    )
                user = row[columns.user].strip()
                item = row[columns.item].strip()
                if not user:
                    report.skipped["no user (guest)"] += 1
                    continue
                if not item:
                    raise PurchaseDataError(f"line {line}: empty {columns.item}")
                if columns.quantity and _number(row[columns.quantity], columns.quantity, line) <= 0:
                    report.skipped["quantity <= 0"] += 1
                    continue
                if columns.price and _number(row[columns.price], columns.price, line) <= 0:
                    report.skipped["price <= 0"] += 1
                    continue
                if item in columns.exclude_items or (
                    columns.exclude_item_prefixes and item.startswith(columns.exclude_item_prefixes)
                ):
                    report.skipped["excluded item"] += 1
                    continue
                stamp = _minute(row[columns.timestamp], line)
                if columns.order:
                    order_id = row[columns.order].strip()
                    if not order_id:
                        raise PurchaseDataError(f"line {line}: empty {columns.order}")
                    first_seen = order_start.setdefault((user, order_id), stamp)
                    order_start[(user, order_id)] = min(first_seen, stamp)
                    by_order[(user, order_id)].add(item)
                else:
                    orders[user][stamp].add(item)
                report.kept += 1
    except UnicodeDecodeError as error:
        raise PurchaseDataError(f"line {line + 1}: not UTF-8 text ({error.reason})") from None
    except (OSError, EOFError, csv.Error) as error:
        raise PurchaseDataError(f"line {line}: cannot read the file: {error}") from None
    # keys sort by time: "<first minute> <order id>" when orders come from an id column
    for (user, order_id), items in by_order.items():
        orders[user][f"{order_start[(user, order_id)]} {order_id}"] = items
    return {user: dict(user_orders) for user, user_orders in orders.items()}, report


@dataclass
class Split:
    """Training orders of every user, and the held-out last order of repeat customers."""

    train: Orders
    test: dict[str, set[str]]

    def interactions(self) -> Interactions:
        return Interactions.from_orders(self.train)


def leave_last_out(orders: Orders) -> Split:
    """Hold out each repeat customer's last order (order keys sort by time)."""
    train: Orders = {}
    test: dict[str, set[str]] = {}
    for user, user_orders in orders.items():
        keys = sorted(user_orders)
        if len(keys) >= 2:
            test[user] = set(user_orders[keys[-1]])
            train[user] = {key: user_orders[key] for key in keys[:-1]}
        else:
            train[user] = dict(user_orders)
    return Split(train, test)


def validation_split(orders: Orders) -> Split:
    """The split defaults are chosen on: the test split's *training* orders, each repeat
    customer's last training order held out. The test orders are never looked at."""
    return leave_last_out(leave_last_out(orders).train)


Recommend = Callable[[int, int, np.ndarray | None], Sequence[int]]


def evaluate(
    recommend: Recommend, split: Split, interactions: Interactions, k: int = 10, mode: str = "all"
) -> dict[str, float | int]:
    """Score ``recommend(user_index, k, exclude_item_indexes)`` on the held-out orders."""
    if mode not in ("all", "new"):
        raise ValueError("mode is 'all' or 'new'")
    if k <= 0:
        raise ValueError("k must be positive")
    hits = recall = ndcg = 0.0
    evaluated = 0
    recommended: set[int] = set()
    discounts = [1.0 / math.log2(position + 2) for position in range(k)]
    for user, targets in split.test.items():
        user_index = interactions.user_index[user]
        seen = interactions.items_of(user_index)
        if mode == "new":
            seen_ids = {interactions.items[i] for i in seen}
            targets = targets - seen_ids
            if not targets:
                continue
        listed = list(recommend(user_index, k, seen if mode == "new" else None))[:k]
        recommended.update(listed)
        gains = [1.0 if interactions.items[i] in targets else 0.0 for i in listed]
        evaluated += 1
        hits += 1.0 if any(gains) else 0.0
        recall += sum(gains) / len(targets)
        ideal = sum(discounts[: min(len(targets), k)])
        ndcg += sum(g * d for g, d in zip(gains, discounts, strict=False)) / ideal
    if not evaluated:
        return {
            "users": 0,
            f"hit_rate@{k}": 0.0,
            f"recall@{k}": 0.0,
            f"ndcg@{k}": 0.0,
            f"coverage@{k}": 0.0,
        }
    return {
        "users": evaluated,
        f"hit_rate@{k}": round(hits / evaluated, 4),
        f"recall@{k}": round(recall / evaluated, 4),
        f"ndcg@{k}": round(ndcg / evaluated, 4),
        f"coverage@{k}": round(len(recommended) / max(1, len(interactions.items)), 4),
    }


def rows_of(orders: Orders) -> Iterable[tuple[str, str, str]]:
    for user, user_orders in orders.items():
        for key, items in user_orders.items():
            for item in items:
                yield user, key, item
