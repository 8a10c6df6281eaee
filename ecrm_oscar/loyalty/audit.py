"""Proof that every account's counters equal the sums of its ledger (read-only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ecrm_oscar.loyalty.models import LedgerEntry, LoyaltyAccount, Reservation


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    user_id: int | None
    counters: tuple[int, int, int]  # balance, pending, reserved as stored
    ledger: tuple[int, int, int]  # the same, summed from the ledger
    reservations: int  # points held by active reservations

    def __str__(self) -> str:
        return (
            f"account {self.account_id} (user {self.user_id}): stored balance/pending/"
            f"reserved {self.counters}, ledger {self.ledger}, active reservations "
            f"{self.reservations}"
        )


def _sum(field: str, queryset) -> Coalesce:
    subquery = (
        queryset.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def mismatches(accounts=None) -> list[Mismatch]:
    """Accounts (all, or those of the ``accounts`` queryset) whose balance, pending or
    reserved differ from their ledger's sums, or whose reserved points differ from their
    active reservations. Empty when all is well."""
    entries = LedgerEntry.objects.all()
    accounts = (
        (LoyaltyAccount.objects.all() if accounts is None else accounts)
        .annotate(
            ledger_balance=_sum("points", entries),
            ledger_pending=_sum("pending", entries),
            ledger_reserved=_sum("reserved", entries),
            held=_sum("points", Reservation.objects.filter(status=Reservation.Status.ACTIVE)),
        )
        .values_list(
            "pk",
            "user_id",
            "balance",
            "pending",
            "reserved",
            "ledger_balance",
            "ledger_pending",
            "ledger_reserved",
            "held",
        )
    )
    found = []
    for pk, user_id, b, p, r, lb, lp, lr, held in accounts.iterator(chunk_size=2000):
        if (b, p, r) != (lb, lp, lr) or r != held:
            found.append(Mismatch(pk, user_id, (b, p, r), (lb, lp, lr), held))
    return found
