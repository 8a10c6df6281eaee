"""RFM scoring: recency, frequency and monetary value scored 1-5, then a named segment.

Pure functions (no database), so the maths is testable on known inputs and the full
rebuild and the incremental update share one implementation.

- **Values**: recency = whole days since the last order (as of the reference time),
  frequency = number of orders, monetary = total spent.
- **Breakpoints**: four ascending numbers per measure. With ``ECRM_RFM_SCORING =
  "quantiles"`` (default) they are the 20/40/60/80 % nearest-rank quantiles of all
  customers' values, computed by the full rebuild and kept in ``ProfileBasis``; with
  ``"thresholds"`` they are ``ECRM_RFM_THRESHOLDS``.
- **Scores**: frequency and monetary score ``1 + (number of breakpoints the value is
  above)``; recency scores ``1 + (number of breakpoints the value is at or below)``, so
  recent customers score high. Equal values always get equal scores.
- **Segment**: the first rule of ``ECRM_RFM_SEGMENTS`` whose ranges contain the scores
  (``r``, ``f``, ``m`` and ``fm`` = the average of F and M rounded half up).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from django.db import models
from django.utils.translation import gettext_lazy as _

MEASURES = ("recency", "frequency", "monetary")


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL = "potential", _("Potential")
    NEW = "new", _("New")
    AT_RISK = "at-risk", _("At risk")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


#: Default of ``ECRM_RFM_SEGMENTS``: first match wins; every (R, F, M) combination is
#: covered (the ``ecrm.E201`` check verifies a project's own table).
DEFAULT_SEGMENTS: tuple[dict, ...] = (
    {"segment": "champions", "r": (4, 5), "fm": (4, 5)},
    {"segment": "new", "r": (4, 5), "f": (1, 1)},
    {"segment": "loyal", "r": (3, 5), "fm": (3, 5)},
    {"segment": "potential", "r": (3, 5), "fm": (1, 2)},
    {"segment": "at-risk", "r": (1, 2), "fm": (3, 5)},
    {"segment": "hibernating", "r": (2, 2), "fm": (1, 2)},
    {"segment": "lost", "r": (1, 1), "fm": (1, 2)},
)

#: Default of ``ECRM_RFM_THRESHOLDS`` (used when ``ECRM_RFM_SCORING = "thresholds"``).
DEFAULT_THRESHOLDS: dict[str, tuple[float, ...]] = {
    "recency": (30, 90, 180, 365),  # days: ≤30 → R5, ≤90 → R4, ≤180 → R3, ≤365 → R2, else R1
    "frequency": (1, 2, 4, 8),  # orders: 1 → F1, 2 → F2, 3-4 → F3, 5-8 → F4, 9+ → F5
    "monetary": (100, 250, 500, 1000),  # spent: ≤100 → M1, ..., >1000 → M5
}


def quantile_breakpoints(values: Iterable[float]) -> list[float] | None:
    """The 20/40/60/80 % nearest-rank quantiles of ``values`` (None when empty)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    return [float(ordered[max(0, math.ceil(q * n / 5) - 1)]) for q in (1, 2, 3, 4)]


def score_recency(days: float, breakpoints: Sequence[float]) -> int:
    """5 for the most recent customers, 1 for the longest silent."""
    return 1 + sum(1 for b in breakpoints if days <= b)


def score_higher_better(value: float, breakpoints: Sequence[float]) -> int:
    """1 for the lowest values, 5 for the highest (frequency and monetary)."""
    return 1 + sum(1 for b in breakpoints if value > b)


def fm_score(f: int, m: int) -> int:
    """The average of F and M, rounded half up (so 1+2 → 2, 4+5 → 5)."""
    return (f + m + 1) // 2


def _in(score: int, bounds: Sequence[int] | None) -> bool:
    return bounds is None or bounds[0] <= score <= bounds[1]


def segment_for(r: int, f: int, m: int, rules: Iterable[Mapping]) -> str:
    """The code of the first rule matching the scores, or "" when none does."""
    fm = fm_score(f, m)
    for rule in rules:
        if (
            _in(r, rule.get("r"))
            and _in(f, rule.get("f"))
            and _in(m, rule.get("m"))
            and _in(fm, rule.get("fm"))
        ):
            return rule["segment"]
    return ""


def validate_segments(rules) -> list[str]:
    """Problems with an ``ECRM_RFM_SEGMENTS`` table (empty list when it is sound)."""
    problems = []
    known = set(RfmSegment.values)
    try:
        rules = list(rules)
    except TypeError:
        return ["ECRM_RFM_SEGMENTS must be a list of rules"]
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping) or rule.get("segment") not in known:
            problems.append(f"rule {index}: 'segment' must be one of {', '.join(sorted(known))}")
            continue
        for key in ("r", "f", "m", "fm"):
            bounds = rule.get(key)
            if bounds is None:
                continue
            if (
                not isinstance(bounds, (list, tuple))
                or len(bounds) != 2
                or not all(isinstance(b, int) and 1 <= b <= 5 for b in bounds)
                or bounds[0] > bounds[1]
            ):
                problems.append(
                    f"rule {index} ({rule['segment']}): {key!r} must be (low, high), 1-5"
                )
    if problems:
        return problems
    missing = [
        (r, f, m)
        for r in range(1, 6)
        for f in range(1, 6)
        for m in range(1, 6)
        if not segment_for(r, f, m, rules)
    ]
    if missing:
        shown = ", ".join(f"R{r}F{f}M{m}" for r, f, m in missing[:5])
        problems.append(f"{len(missing)} score combinations have no segment, e.g. {shown}")
    return problems


def validate_thresholds(thresholds) -> list[str]:
    problems = []
    if not isinstance(thresholds, Mapping):
        return ["ECRM_RFM_THRESHOLDS must be a dict with recency, frequency and monetary"]
    for measure in MEASURES:
        values = thresholds.get(measure)
        try:
            numbers = [float(v) for v in values]
        except (TypeError, ValueError):
            numbers = []
        if len(numbers) != 4 or numbers != sorted(numbers):
            problems.append(f"{measure!r} must be four ascending numbers")
    return problems
