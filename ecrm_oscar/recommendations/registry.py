"""The strategy registry: strategy name → a callable that says which products to rank.

A placement (product page, basket, home, account, Wagtail block, category page) is served
by the strategy the owner chose in the dashboard (``PlacementSetting``), else by
``DEFAULT_STRATEGIES``. A strategy is a plain function of a :class:`Context` returning a
:class:`Source`: stored lists to read (``Stored``, read inside the products query itself,
so a stored list costs no query of its own) and/or product ids already ranked
(``Ranked``). ``services.recommend`` turns a source into buyable products, adds the
owner's pins, drops exclusions and demotes ignored items.

Add your own in an ``AppConfig.ready()``::

    from ecrm_oscar.recommendations import registry

    def staff_picks(context):
        return registry.Source([registry.Ranked(tuple(my_ids()))])

    registry.register("staff_picks", _("Staff picks"), staff_picks)

It is then offered in the dashboard's placement settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Stored:
    """A list trained into ``Recommendation`` rows: (strategy, subject)."""

    strategy: str
    subject: str


@dataclass(frozen=True)
class Ranked:
    """Product ids, best first, computed by the strategy itself."""

    ids: tuple[int, ...]


@dataclass(frozen=True)
class Source:
    """What to rank, in order: earlier parts come first, later parts fill up the list.

    ``served_as`` names the strategy reported to tracking when it differs from the
    configured one (e.g. "trending" for a visitor with no personal list).
    """

    parts: list[Stored | Ranked] = field(default_factory=list)
    exclude: tuple[int, ...] = ()
    served_as: str | None = None

    def key(self) -> str:
        """A cache key fragment naming exactly this source."""
        bits = []
        for part in self.parts:
            if isinstance(part, Stored):
                bits.append(f"s{part.strategy}/{part.subject}")
            else:
                bits.append("r" + ".".join(map(str, part.ids)))
        bits.append("x" + ".".join(map(str, self.exclude)))
        return "|".join(bits)


@dataclass
class Context:
    """Everything a strategy may look at; any of it may be missing."""

    placement: str
    request: Any = None
    user: Any = None
    visitor_id: str = ""
    product: Any = None
    category: Any = None
    basket: Any = None

    @property
    def identity(self) -> str:
        """ "user:<id>" for a signed-in shopper, "visitor:<id>" for a tracked visitor, or ""."""
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return f"user:{self.user.pk}"
        return f"visitor:{self.visitor_id}" if self.visitor_id else ""


StrategyFunc = Callable[[Context], Source]


@dataclass(frozen=True)
class Strategy:
    name: str
    label: str | Promise
    func: StrategyFunc
    #: placements it makes sense for (the dashboard offers it only there); () = all
    placements: tuple[str, ...] = ()


_registry: dict[str, Strategy] = {}


def register(
    name: str, label: str | Promise, func: StrategyFunc, placements: tuple[str, ...] = ()
) -> Strategy:
    """Add (or replace) a strategy; ``name`` is what ``PlacementSetting`` stores."""
    if not name or len(name) > 40:
        raise ValueError(f"strategy names are 1-40 characters: {name!r}")
    strategy = Strategy(name, label, func, tuple(placements))
    _registry[name] = strategy
    return strategy


def unregister(name: str) -> None:
    _registry.pop(name, None)


def get(name: str) -> Strategy | None:
    return _registry.get(name)


def all_strategies() -> list[Strategy]:
    return list(_registry.values())


def choices(placement: str | None = None) -> list[tuple[str, str | Promise]]:
    """(name, label) of the strategies that fit ``placement`` (all when None)."""
    return [
        (s.name, s.label)
        for s in _registry.values()
        if placement is None or not s.placements or placement in s.placements
    ]


#: What serves each placement while the owner has not chosen.
DEFAULT_STRATEGIES: dict[str, str] = {
    "product": "also_bought",
    "basket": "complete_order",
    "home": "personal",
    "account": "personal",
    "wagtail": "personal",
    "category": "trending",
}

#: Titles of the built-in strategies' lists (list.html uses them; templates may override).
TITLES: dict[str, str | Promise] = {
    "also_bought": _("Customers who bought this also bought"),
    "complete_order": _("Complete your order"),
    "personal": _("Recommended for you"),
    "recently_viewed": _("Recently viewed"),
    "trending": _("Trending now"),
}
