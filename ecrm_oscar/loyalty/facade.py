"""The only writer of the loyalty ledger.

Every function here:

- runs in one ``transaction.atomic()`` block (nesting into the caller's transaction, so an
  Oscar order and its points commit or roll back together);
- locks the shopper's account row (``select_for_update``) before reading anything it
  decides on, so concurrent calls on one account are serialised;
- verifies before writing: amounts are whole numbers between 1 and ``MAX_POINTS``, and no
  bucket (spendable, pending, reserved) may go below zero (the database's CHECK
  constraints are the backstop);
- is idempotent by ``key``: a second call with the same key writes nothing and returns the
  entries of the first (``Result.created`` is False). The key is stored, unique in the
  database, on the first entry the call wrote;
- appends entries and moves the account's counters by exactly their sums, so
  ``balance == sum(points)``, ``pending == sum(pending)`` and
  ``reserved == sum(reserved)`` always hold (``manage.py ecrm_check_loyalty``).

Refused calls raise a :class:`~ecrm_oscar.loyalty.exceptions.LoyaltyError` with a message
fit for the shopper or owner, and write nothing. docs/loyalty.md describes each function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ecrm_oscar.loyalty.exceptions import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidPoints,
    ReasonRequired,
    ReservationClosed,
    ReservationExists,
)
from ecrm_oscar.loyalty.models import Kind, LedgerEntry, LoyaltyAccount, Reservation

#: The largest amount one operation may move (a typo guard, not a business rule).
MAX_POINTS = 1_000_000_000
MAX_KEY_LENGTH = 150


@dataclass(frozen=True)
class Result:
    """What a facade call did: the entries written (or found, on a replay)."""

    account: LoyaltyAccount
    entries: tuple[LedgerEntry, ...]
    created: bool
    reservation: Reservation | None = None

    @property
    def change(self) -> int:
        """Net change to everything the shopper holds."""
        return sum(entry.change for entry in self.entries)

    @property
    def points(self) -> int:
        """Net change to the spendable balance."""
        return sum(entry.points for entry in self.entries)


# -- validation -----------------------------------------------------------------------


def check_points(points: Any, *, allow_negative: bool = False) -> int:
    """Return ``points`` as an int, or raise :class:`InvalidPoints` saying why not."""
    if isinstance(points, bool) or not isinstance(points, int | Decimal | float | str):
        raise InvalidPoints(_("Points must be a whole number."))
    if isinstance(points, str):
        try:
            points = Decimal(points.strip())
        except ArithmeticError:
            raise InvalidPoints(_("Points must be a whole number.")) from None
    if isinstance(points, Decimal | float):
        if not Decimal(points).is_finite() or Decimal(points) != Decimal(points).to_integral():
            raise InvalidPoints(_("Points must be a whole number."))
        points = int(points)
    if points == 0 or (points < 0 and not allow_negative):
        raise InvalidPoints(
            _("Points must be a non-zero whole number.")
            if allow_negative
            else _("Points must be a positive whole number.")
        )
    if abs(points) > MAX_POINTS:
        raise InvalidPoints(_("At most %(max)s points can be moved at once.") % {"max": MAX_POINTS})
    return points


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValueError("Every loyalty operation needs an idempotency key.")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"Idempotency keys are at most {MAX_KEY_LENGTH} characters: {key!r}")
    return key


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("A reason is required."))
    return reason[:255]


# -- the account lock and the write --------------------------------------------------------


def _user_id(user: Any) -> int:
    user_id = getattr(user, "pk", user)
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ValueError(f"A saved user or a user id is needed, not {user!r}")
    return user_id


def lock_accounts(users: Iterable[Any]) -> dict[int, LoyaltyAccount]:
    """The users' accounts by user id, created if missing, locked (in id order, so
    concurrent writers never deadlock) until the transaction ends."""
    user_ids = sorted({_user_id(user) for user in users})
    locked = LoyaltyAccount.objects.select_for_update().order_by("pk")
    accounts = {account.user_id: account for account in locked.filter(user_id__in=user_ids)}
    missing = [user_id for user_id in user_ids if user_id not in accounts]
    for _attempt in range(3):  # a random referral code may (very rarely) collide: retry
        if not missing:
            break
        # ON CONFLICT DO NOTHING: an account created concurrently is simply locked below.
        LoyaltyAccount.objects.bulk_create(
            [LoyaltyAccount(user_id=user_id) for user_id in missing], ignore_conflicts=True
        )
        accounts.update(
            (account.user_id, account) for account in locked.filter(user_id__in=missing)
        )
        missing = [user_id for user_id in missing if user_id not in accounts]
    if missing:
        raise RuntimeError(f"Could not create loyalty accounts for users {missing}")
    return accounts


def lock_account(user: Any) -> LoyaltyAccount:
    """The user's account, created if missing, locked until the transaction ends."""
    user_id = _user_id(user)
    account = LoyaltyAccount.objects.select_for_update().filter(user_id=user_id).first()
    return account if account is not None else lock_accounts([user_id])[user_id]


def _replay(account: LoyaltyAccount, key: str, kind: str) -> Result | None:
    """The entries an earlier call with ``key`` wrote, or None."""
    entries = tuple(LedgerEntry.objects.filter(operation=key).order_by("id"))
    if not entries:
        return None
    if entries[0].account_id != account.pk or entries[0].kind != kind:
        raise IdempotencyConflict(
            f"The key {key!r} was already used for a {entries[0].kind} entry of account "
            f"{entries[0].account_id}."
        )
    return Result(account, entries, created=False, reservation=entries[0].reservation)


def _entries(account: LoyaltyAccount, key: str, at: datetime, rows: Iterable[dict]) -> list:
    entries = []
    for number, fields in enumerate(rows):
        entries.append(
            LedgerEntry(
                account=account,
                operation=key,
                idempotency_key=key if number == 0 else f"{key}/{number}",
                created_at=at,
                **fields,
            )
        )
    return entries


def _move(
    account: LoyaltyAccount, entries: list[LedgerEntry], at: datetime, *, activity: bool = False
) -> list[str]:
    """Verify that no bucket goes below zero, then move the account's counters (in memory)
    by the entries' sums; returns the fields to save."""
    balance = account.balance + sum(e.points for e in entries)
    pending = account.pending + sum(e.pending for e in entries)
    reserved = account.reserved + sum(e.reserved for e in entries)
    if balance < 0:
        raise InsufficientPoints(
            _("You have %(balance)s points; this needs %(needed)s.")
            % {"balance": account.balance, "needed": account.balance - balance}
        )
    if pending < 0 or reserved < 0:  # a facade bug, never a shopper's doing
        raise InsufficientPoints("The ledger would go below zero; nothing was written.")
    account.balance, account.pending, account.reserved = balance, pending, reserved
    account.updated_at = timezone.now()
    fields = ["balance", "pending", "reserved", "updated_at"]
    if activity and (account.last_activity_at is None or at > account.last_activity_at):
        account.last_activity_at = at
        fields.append("last_activity_at")
    return fields


def _write(
    account: LoyaltyAccount, entries: list[LedgerEntry], at: datetime, *, activity: bool = False
) -> None:
    """Verify, then append ``entries`` and move the account's counters by their sums."""
    fields = _move(account, entries, at, activity=activity)
    LedgerEntry.objects.bulk_create(entries)
    account.save(update_fields=fields)


def _order_fields(order: Any) -> dict:
    if order is None:
        return {}
    return {"order_id": order.pk, "order_number": order.number}


# -- earning ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Award:
    """One award for :func:`award_many` (the arguments of :func:`award`)."""

    points: int
    key: str
    reason: str
    ref: str = ""
    order: Any = None
    lines: Iterable[tuple[Any, int]] | Mapping[Any, int] | None = None
    confirm: bool = False
    actor: Any = None
    detail: dict | None = None
    at: datetime | None = None


def _award_rows(award: Award) -> tuple[str, int, datetime, list[dict]]:
    """Validate one award and build its entries' fields (no database access)."""
    key = _check_key(award.key)
    points = check_points(award.points)
    at = award.at or timezone.now()
    order = award.order
    ref = award.ref or (f"order:{order.pk}" if order is not None else key[:64])
    lines = award.lines
    split = list(lines.items() if isinstance(lines, Mapping) else lines or ())
    for _line, line_points in split:
        if isinstance(line_points, bool) or not isinstance(line_points, int) or line_points < 0:
            raise InvalidPoints(_("Points must be a positive whole number."))
    remainder = points - sum(p for _line, p in split)
    if remainder < 0:
        raise InvalidPoints("The lines' points add up to more than the award.")
    common = {"ref": ref, "reason": award.reason[:255], "actor": award.actor}
    common.update(_order_fields(order))
    detail = dict(award.detail or {})
    if split:
        # The split is kept on the entry (one entry per award, however many lines), so a
        # refund of one line reverses exactly that line's points (see ``reverse``).
        detail["lines"] = [[getattr(line, "pk", line), p] for line, p in split if p]
    rows = [{"kind": Kind.EARN_PENDING, "pending": points, "detail": detail, **common}]
    if award.confirm:
        rows.append({"kind": Kind.CONFIRM, "pending": -points, "points": points, **common})
    return key, points, at, rows


def award_many(user: Any, awards: Iterable[Award], *, savepoint: bool = True) -> list[Result]:
    """Several awards to one account: :func:`award_batch` for one user."""
    user_id = _user_id(user)
    return award_batch({user_id: list(awards)}, savepoint=savepoint)[user_id]


def award_batch(
    plans: Mapping[Any, Iterable[Award]], *, savepoint: bool = True
) -> dict[int, list[Result]]:
    """Awards to many accounts in one transaction: the accounts locked in one query (in id
    order), replays found in one query, the entries written with one insert and the
    counters with one update (history backfills). Each award is idempotent by its own key:
    those already made are returned with ``created=False``. Any refusal writes nothing.

    ``savepoint=False`` (inside a caller's transaction only) saves two round trips; a
    failure then rolls back the caller's whole transaction, which batch callers want.
    """
    built = {
        _user_id(user): [_award_rows(award) for award in awards] for user, awards in plans.items()
    }
    keys = [key for rows in built.values() for key, *_rest in rows]
    if len(set(keys)) != len(keys):
        raise IdempotencyConflict("The same key appears twice in one award batch.")
    if not savepoint and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("award_batch(savepoint=False) needs the caller's transaction")
    with transaction.atomic(savepoint=savepoint):
        return _award_batch(built, keys)


def _award_batch(built: dict[int, list], keys: list[str]) -> dict[int, list[Result]]:
    accounts = lock_accounts(built)
    existing: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in LedgerEntry.objects.filter(operation__in=keys).order_by("id"):
        existing[entry.operation].append(entry)
    results: dict[int, list[Result]] = {}
    new_entries: list[LedgerEntry] = []
    changed: list[LoyaltyAccount] = []
    fields: set[str] = set()
    for user_id, rows in built.items():
        account = accounts[user_id]
        results[user_id] = []
        written: list[LedgerEntry] = []
        latest = None
        for key, _points, at, entry_rows in rows:
            found = existing.get(key)
            if found:
                if found[0].account_id != account.pk or found[0].kind != Kind.EARN_PENDING:
                    raise IdempotencyConflict(
                        f"The key {key!r} was already used for a {found[0].kind} entry of "
                        f"account {found[0].account_id}."
                    )
                results[user_id].append(Result(account, tuple(found), created=False))
                continue
            entries = _entries(account, key, at, entry_rows)
            written.extend(entries)
            results[user_id].append(Result(account, tuple(entries), created=True))
            latest = at if latest is None or at > latest else latest
        if written:
            fields.update(_move(account, written, latest, activity=True))
            new_entries.extend(written)
            changed.append(account)
    if new_entries:
        LedgerEntry.objects.bulk_create(new_entries)
        if len(changed) == 1:
            changed[0].save(update_fields=sorted(fields))
        else:
            _save_accounts(changed, sorted(fields))
    return results


def _save_accounts(accounts: list[LoyaltyAccount], fields: list[str]) -> None:
    """One ``UPDATE ... SET f = CASE id WHEN ... END`` for many locked accounts (Django's
    ``bulk_update`` builds the same statement, but through an expression per value, which
    costs more than the whole insert of a backfill batch)."""
    meta = LoyaltyAccount._meta
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    pk = quote(meta.pk.column)
    assignments, params = [], []
    for name in fields:
        field = meta.get_field(name)
        column = quote(field.column)
        whens = " ".join(["WHEN %s THEN %s"] * len(accounts))
        assignments.append(f"{column} = CASE {pk} {whens} ELSE {column} END")
        for account in accounts:
            value = getattr(account, field.attname)
            params += [account.pk, field.get_db_prep_save(value, connection)]
    params += [account.pk for account in accounts]
    placeholders = ", ".join(["%s"] * len(accounts))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
            f"WHERE {pk} IN ({placeholders})",
            params,
        )


def award(
    user: Any,
    points: int,
    *,
    key: str,
    reason: str,
    ref: str = "",
    order: Any = None,
    lines: Iterable[tuple[Any, int]] | Mapping[Any, int] | None = None,
    confirm: bool = False,
    actor: Any = None,
    detail: dict | None = None,
    at: datetime | None = None,
) -> Result:
    """Credit ``points`` as pending (``earn_pending``), and confirm them at once if
    ``confirm``.

    ``lines`` splits the award over order lines (``(line or line id, points)`` pairs, kept
    in the entry's ``detail["lines"]``, so refunds can reverse line by line); what they do
    not cover (shipping) is the order-level rest. ``ref`` names the source that
    ``confirm`` and ``reverse`` later act on; it defaults to ``order:<pk>`` for an order.
    """
    return award_many(
        user,
        [Award(points, key, reason, ref, order, lines, confirm, actor, detail, at)],
    )[0]


@transaction.atomic
def confirm(
    user: Any, *, ref: str, key: str, reason: str = "", at: datetime | None = None
) -> Result:
    """Make everything still pending from ``ref`` spendable (one ``confirm`` entry).

    Nothing pending (already confirmed, or reversed): nothing is written.
    """
    key = _check_key(key)
    at = at or timezone.now()
    account = lock_account(user)
    replay = _replay(account, key, Kind.CONFIRM)
    if replay:
        return replay
    pending = (
        LedgerEntry.objects.filter(account=account, ref=ref).aggregate(total=Sum("pending"))[
            "total"
        ]
        or 0
    )
    if pending <= 0:
        return Result(account, (), created=False)
    first = (
        LedgerEntry.objects.filter(account=account, ref=ref)
        .values("order_id", "order_number")
        .first()
    )
    entries = _entries(
        account,
        key,
        at,
        [
            {
                "kind": Kind.CONFIRM,
                "pending": -pending,
                "points": pending,
                "ref": ref,
                "reason": reason[:255],
                **(first or {}),
            }
        ],
    )
    _write(account, entries, at)
    return Result(account, tuple(entries), created=True)


def earned_by_line(points: int, detail: dict) -> dict[Any, int]:
    """An earn entry's points per order line id (``None``: the order-level rest)."""
    earned: dict[Any, int] = defaultdict(int)
    for line_id, line_points in detail.get("lines", ()):
        earned[line_id] += line_points
    rest = points - sum(earned.values())
    if rest:
        earned[None] += rest
    return earned


def _earned_and_covered(account: LoyaltyAccount, ref: str) -> tuple[dict, dict, int]:
    """Per line id (None: order level): points earned, points already reversed (including
    any written off), and what is still pending for the whole source."""
    earned: dict[Any, int] = defaultdict(int)
    covered: dict[Any, int] = defaultdict(int)
    pending = 0
    rows = LedgerEntry.objects.filter(account=account, ref=ref).values_list(
        "kind", "line_id", "points", "pending", "detail"
    )
    for kind, line_id, points, pending_change, detail in rows:
        pending += pending_change
        if kind == Kind.EARN_PENDING:
            for earned_line, line_points in earned_by_line(pending_change, detail).items():
                earned[earned_line] += line_points
        elif kind == Kind.REVERSE:
            covered[line_id] += -(points + pending_change) + int(detail.get("written_off", 0))
    return earned, covered, pending


@transaction.atomic
def reverse(
    user: Any,
    *,
    ref: str,
    key: str,
    reason: str,
    line: Any = None,
    points: int | None = None,
    actor: Any = None,
    at: datetime | None = None,
) -> Result:
    """Take back points earned from ``ref``: all of it, or one ``line`` (up to ``points``
    of it, for partial refunds). Never more than was earned and not yet reversed.

    Points still pending are taken from pending; confirmed ones from the spendable
    balance. If the shopper already spent them, only what is left is taken and the rest is
    written off (recorded as ``detail["written_off"]``): the balance never goes negative.
    """
    key = _check_key(key)
    at = at or timezone.now()
    if points is not None:
        points = check_points(points)
        if line is None:
            raise ValueError("A partial reversal (points=...) names the line it is for.")
    account = lock_account(user)
    replay = _replay(account, key, Kind.REVERSE)
    if replay:
        return replay
    earned, covered, pending_left = _earned_and_covered(account, ref)
    if line is not None:
        line_id = getattr(line, "pk", line)
        targets = [line_id] if line_id in earned else []
    else:
        targets = sorted(earned, key=lambda value: (value is not None, value or 0))
    first = (
        LedgerEntry.objects.filter(account=account, ref=ref)
        .values("order_id", "order_number")
        .first()
        or {}
    )
    balance_left = account.balance
    rows = []
    for line_id in targets:
        remaining = earned[line_id] - covered[line_id]
        amount = min(points, remaining) if points is not None else remaining
        if amount <= 0:
            continue
        from_pending = min(amount, pending_left)
        pending_left -= from_pending
        from_balance = min(amount - from_pending, balance_left)
        balance_left -= from_balance
        written_off = amount - from_pending - from_balance
        rows.append(
            {
                "kind": Kind.REVERSE,
                "pending": -from_pending,
                "points": -from_balance,
                "ref": ref,
                "line_id": line_id,
                "reason": reason[:255],
                "actor": actor,
                "detail": {"written_off": written_off} if written_off else {},
                **first,
            }
        )
    if not rows:
        return Result(account, (), created=False)
    entries = _entries(account, key, at, rows)
    _write(account, entries, at)
    return Result(account, tuple(entries), created=True)


# -- spending --------------------------------------------------------------------------


@transaction.atomic
def reserve(
    user: Any,
    points: int,
    *,
    key: str,
    amount: Decimal,
    expires_at: datetime,
    basket: Any = None,
    currency: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> Result:
    """Hold ``points`` (worth ``amount``) for ``basket`` while its checkout runs.

    Raises :class:`ReservationExists` if the basket already holds points.
    """
    key = _check_key(key)
    points = check_points(points)
    at = at or timezone.now()
    account = lock_account(user)
    replay = _replay(account, key, Kind.RESERVE)
    if replay:
        return replay
    basket_id = getattr(basket, "pk", basket)
    if (
        basket_id is not None
        and Reservation.objects.filter(
            basket_id=basket_id, status=Reservation.Status.ACTIVE
        ).exists()
    ):
        raise ReservationExists(_("Points are already reserved for this basket."))
    if points > account.balance:
        raise InsufficientPoints(
            _("You have %(balance)s points; this needs %(needed)s.")
            % {"balance": account.balance, "needed": points}
        )
    reservation = Reservation.objects.create(
        account=account,
        basket_id=basket_id,
        points=points,
        amount=amount,
        currency=currency,
        created_at=at,
        expires_at=expires_at,
    )
    entries = _entries(
        account,
        key,
        at,
        [
            {
                "kind": Kind.RESERVE,
                "points": -points,
                "reserved": points,
                "ref": reservation.ref,
                "reservation": reservation,
                "reason": reason[:255],
            }
        ],
    )
    _write(account, entries, at)
    return Result(account, tuple(entries), created=True, reservation=reservation)


def _open_reservation(account: LoyaltyAccount, reservation: Reservation | int) -> Reservation:
    reservation_id = getattr(reservation, "pk", reservation)
    found = Reservation.objects.filter(pk=reservation_id, account=account).first()
    if found is None:
        raise ReservationClosed(_("This points reservation does not belong to your account."))
    if not found.is_active:
        raise ReservationClosed(
            _("These points were already %(status)s.")
            % {"status": found.get_status_display().lower()}
        )
    return found


@transaction.atomic
def release(
    reservation: Reservation,
    *,
    key: str,
    reason: str = "",
    at: datetime | None = None,
) -> Result:
    """Give the reserved points back to the spendable balance and close the reservation."""
    key = _check_key(key)
    at = at or timezone.now()
    account = LoyaltyAccount.objects.select_for_update().get(pk=reservation.account_id)
    replay = _replay(account, key, Kind.RELEASE)
    if replay:
        return replay
    reservation = _open_reservation(account, reservation)
    entries = _entries(
        account,
        key,
        at,
        [
            {
                "kind": Kind.RELEASE,
                "points": reservation.points,
                "reserved": -reservation.points,
                "ref": reservation.ref,
                "reservation": reservation,
                "reason": reason[:255],
            }
        ],
    )
    _write(account, entries, at)
    reservation.status = Reservation.Status.RELEASED
    reservation.closed_at = at
    reservation.save(update_fields=["status", "closed_at"])
    return Result(account, tuple(entries), created=True, reservation=reservation)


@transaction.atomic
def redeem(
    user: Any,
    points: int | None = None,
    *,
    key: str,
    reservation: Reservation | int | None = None,
    order: Any = None,
    reason: str = "",
    at: datetime | None = None,
) -> Result:
    """Spend points: from a checkout ``reservation`` (all of it, or ``points`` of it with
    the rest released), or ``points`` straight from the spendable balance."""
    key = _check_key(key)
    at = at or timezone.now()
    if points is not None or reservation is None:
        points = check_points(points)
    account = lock_account(user)
    replay = _replay(account, key, Kind.REDEEM)
    if replay:
        return replay
    common = {"reason": reason[:255], **_order_fields(order)}
    if reservation is None:
        rows = [{"kind": Kind.REDEEM, "points": -points, "ref": key[:64], **common}]
    else:
        reservation = _open_reservation(account, reservation)
        spent = reservation.points if points is None else points
        if spent > reservation.points:
            raise InsufficientPoints(
                _("Only %(points)s points are reserved.") % {"points": reservation.points}
            )
        common.update(ref=reservation.ref, reservation=reservation)
        rows = [{"kind": Kind.REDEEM, "reserved": -spent, **common}]
        if spent < reservation.points:
            rest = reservation.points - spent
            rows.append({"kind": Kind.RELEASE, "points": rest, "reserved": -rest, **common})
    entries = _entries(account, key, at, rows)
    _write(account, entries, at, activity=True)
    if reservation is not None:
        reservation.status = Reservation.Status.REDEEMED
        reservation.closed_at = at
        reservation.order_id = order.pk if order is not None else None
        reservation.save(update_fields=["status", "closed_at", "order"])
    return Result(account, tuple(entries), created=True, reservation=reservation)


# -- expiry and corrections ------------------------------------------------------------------


def expirable(account: LoyaltyAccount, older_than: datetime) -> int:
    """Spendable points credited before ``older_than`` and not yet used (FIFO).

    Spending, expiry and reversals always use the oldest points first, so what is left of
    the old credits is whatever the balance holds beyond the credits since the cutoff.
    """
    recent = (
        LedgerEntry.objects.filter(
            account=account,
            kind__in=(Kind.CONFIRM, Kind.ADJUST),
            points__gt=0,
            created_at__gte=older_than,
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )
    return max(0, account.balance - recent)


@transaction.atomic
def expire(
    user: Any,
    *,
    key: str,
    reason: str,
    older_than: datetime | None = None,
    everything: bool = False,
    at: datetime | None = None,
) -> Result:
    """Expire points credited before ``older_than`` that are still unspent (FIFO), or the
    whole spendable balance (``everything``, for inactivity). Nothing to expire: nothing
    is written."""
    key = _check_key(key)
    if (older_than is None) == (not everything):
        raise ValueError("Pass exactly one of older_than= and everything=True.")
    at = at or timezone.now()
    account = lock_account(user)
    replay = _replay(account, key, Kind.EXPIRE)
    if replay:
        return replay
    points = account.balance if everything else expirable(account, older_than)
    if points <= 0:
        return Result(account, (), created=False)
    detail = {"older_than": older_than.isoformat()} if older_than else {"everything": True}
    entries = _entries(
        account,
        key,
        at,
        [
            {
                "kind": Kind.EXPIRE,
                "points": -points,
                "ref": key[:64],
                "reason": reason[:255],
                "detail": detail,
            }
        ],
    )
    _write(account, entries, at)
    return Result(account, tuple(entries), created=True)


@transaction.atomic
def adjust(
    user: Any,
    points: int,
    *,
    key: str,
    reason: str,
    actor: Any = None,
    order: Any = None,
    at: datetime | None = None,
) -> Result:
    """A correction of the spendable balance (positive or negative). ``reason`` is
    required and, with ``actor`` (the staff member; None for the system), kept on the entry
    for the audit trail. ``order`` links it to an order (points returned on cancellation)."""
    key = _check_key(key)
    reason = _check_reason(reason)
    points = check_points(points, allow_negative=True)
    at = at or timezone.now()
    account = lock_account(user)
    replay = _replay(account, key, Kind.ADJUST)
    if replay:
        return replay
    entries = _entries(
        account,
        key,
        at,
        [
            {
                "kind": Kind.ADJUST,
                "points": points,
                "ref": key[:64],
                "reason": reason,
                "actor": actor,
                **_order_fields(order),
            }
        ],
    )
    _write(account, entries, at)
    return Result(account, tuple(entries), created=True)


# -- account attributes (not ledger entries, but written here too) ------------------------


@transaction.atomic
def set_tier(user: Any, tier: Any, *, at: datetime | None = None) -> bool:
    """Put the account in ``tier`` (None: no tier). Returns whether it changed."""
    account = lock_account(user)
    tier_id = getattr(tier, "pk", tier)
    if account.tier_id == tier_id:
        return False
    account.tier_id = tier_id
    account.tier_since = at or timezone.now()
    account.updated_at = timezone.now()
    account.save(update_fields=["tier", "tier_since", "updated_at"])
    return True


@transaction.atomic
def set_tiers(tiers: Mapping[Any, Any], *, at: datetime | None = None) -> int:
    """Put many accounts in their tiers at once (``{user: tier or None}``): one lock query
    and one update; returns how many changed."""
    at = at or timezone.now()
    accounts = lock_accounts(tiers)
    changed = []
    for user, tier in tiers.items():
        account = accounts[_user_id(user)]
        tier_id = getattr(tier, "pk", tier)
        if account.tier_id != tier_id:
            account.tier_id, account.tier_since, account.updated_at = tier_id, at, timezone.now()
            changed.append(account)
    if changed:
        _save_accounts(changed, ["tier", "tier_since", "updated_at"])
    return len(changed)


@transaction.atomic
def set_birthday(user: Any, birthday: Any) -> LoyaltyAccount:
    """Record the shopper's birthday (for the birthday bonus), or clear it with None."""
    account = lock_account(user)
    account.birthday = birthday
    account.updated_at = timezone.now()
    account.save(update_fields=["birthday", "updated_at"])
    return account


@transaction.atomic
def note_expiry_warning(user: Any, *, at: datetime | None = None) -> None:
    """Remember that the shopper was warned of expiring points (one warning per period)."""
    account = lock_account(user)
    account.expiry_warned_at = at or timezone.now()
    account.save(update_fields=["expiry_warned_at"])
