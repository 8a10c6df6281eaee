"""The demo catalogue's category tree, derived from the product descriptions.

The UCI Online Retail data has no categories, only upper-case descriptions such as
``WHITE HANGING HEART T-LIGHT HOLDER``. A shop with 3,659 products and no navigation is not
a useful demo, so the loader derives a two-level tree with the documented rules below
(docs/demo-data.md shows the same table):

1. The description is split into words; plurals are folded to the singular
   (``CANDLES`` -> ``CANDLE``, ``BOXES`` -> ``BOX``, ``DOILIES`` -> ``DOILY``).
2. The *head noun* is the right-most keyword phrase of :data:`CATEGORY_RULES` found in the
   description (English noun phrases end with their head: "T-light **holder**"). Motif
   words marked ``*`` in the table (heart, star, bird ...) are usually a print, not the
   item, so they only count when no other keyword occurs ("zinc T-light holder stars" is a
   candle holder). Words after ``WITH``/``IN`` are only looked at when nothing matches before
   them, so "recipe box with metal heart" is a box. The longer phrase wins on a tie ("cake
   stand" over "stand").
3. The top-level category is a theme from :data:`THEMES` when one of its words occurs
   (a Christmas mug belongs to Christmas), else the group of the head noun; a description
   with neither goes to the top-level leaf :data:`OTHER`.
4. The sub-category is the head noun's group (e.g. "Mugs & cups") when at least
   :data:`MIN_SUBCATEGORY_SIZE` of the loaded products share it. Under a theme, small
   groups are first pooled by their own top-level category ("Christmas > Stationery &
   Cards"). The rest of a top-level category goes to "Other <category>"; a top-level
   category without any sub-category big enough is itself the leaf. So every product sits
   in exactly one leaf category.

The functions here are pure (no database) so the rules can be tested and documented alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import NamedTuple

#: The top-level leaf for products no rule recognises.
OTHER = "Other"

#: A sub-category is only created when this many loaded products share its head noun.
MIN_SUBCATEGORY_SIZE = 8

#: Themes win over the head noun: their words anywhere in a description pick the top level.
THEMES: tuple[tuple[str, str], ...] = (
    (
        "Christmas",
        (
            "CHRISTMAS, XMAS, ADVENT, SANTA, REINDEER, NATIVITY, SNOWMAN, SNOWFLAKE, NOEL, BAUBLE, "
            "ICICLE, SLEIGH"
        ),
    ),
    ("Easter", "EASTER"),
)

#: Top-level category -> (sub-category, its head nouns as comma-separated keyword phrases),
#: in display order. A phrase may name one group only (a test checks it).
CATEGORY_RULES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Candles & Lighting",
        (
            (
                "Candle holders",
                (
                    "T-LIGHT HOLDER, TLIGHT HOLDER, CANDLE HOLDER, CANDLEHOLDER, CANDLEPOT, "
                    "CANDLE POT, T-LIGHT SETTING, VOTIVE, CANDLESTICK"
                ),
            ),
            ("Candles", "CANDLE, T-LIGHT, TEA LIGHT, TEALIGHT, CHOCOLATECANDLE, MATCH"),
            ("Lanterns", "LANTERN"),
            (
                "Lights & lamps",
                (
                    "LIGHT, LAMP, LAMPSHADE, SHADE, NIGHTLIGHT, NIGHT LIGHT, CHANDELIER, "
                    "LIGHTBULB, LIGHT CHAIN, TORCH, UBO-LIGHT"
                ),
            ),
            ("Incense & fragrance", "INCENSE, OIL BURNER, FRAGRANCE OIL, POTPOURRI"),
        ),
    ),
    (
        "Kitchen & Dining",
        (
            ("Mugs & cups", "MUG, CUP, TEACUP, BEAKER, SAUCER, TUMBLER, TEA FOR ONE"),
            (
                "Plates & bowls",
                "PLATE, BOWL, DISH, PLATTER, FRUITBOWL, BREAKFAST SET, PLACE SETTING, BASIN",
            ),
            (
                "Cutlery",
                "CUTLERY, SPOON, TEASPOON, FORK, KNIFE, CHOPSTICK, CAKE SLICE, SUGAR TONGS",
            ),
            ("Glassware", "GLASS, WINE GLASS, TEA GLASS, GOBLET, CHALICE, CARAFE, DECANTER"),
            (
                "Baking",
                (
                    "CAKE CASE, CAKE STAND, CAKESTAND, CAKE TIN, BAKING SET, BAKING MOULD, MOULD, "
                    "CUTTER, CAKE FRILL, ICING, CAKE DECORATION, ROLLING PIN, LOLLY MAKER"
                ),
            ),
            (
                "Tea time",
                (
                    "TEAPOT, TEA POT, TEA SET, COFFEE SET, COFFEE POT, CAFETIERE, TEA COSY, "
                    "EGG COSY, EGG WARMER, TEA STRAINER, TEA CADDY, COFFEE CADDY"
                ),
            ),
            (
                "Kitchen textiles",
                (
                    "TEA TOWEL, APRON, OVEN GLOVE, OVEN MITT, NAPKIN, PLACEMAT, TABLECLOTH, "
                    "TABLE CLOTH, COASTER"
                ),
            ),
            (
                "Kitchen storage",
                (
                    "JAR, CANISTER, CANNISTER, CONTAINER, BREAD BIN, BISCUIT BIN, LUNCH BOX, "
                    "SNACK BOX, PICNIC BOX, RECIPE BOX, BISCUIT TIN, SUGAR DISPENSER, "
                    "KITCHEN ORGANISER"
                ),
            ),
            ("Trays", "TRAY"),
            (
                "Kitchen tools",
                (
                    "JUG, PAN, FRYING PAN, CHOPPING BOARD, SCALES, TIMER, MEASURING JAR, "
                    "WASHING UP BRUSH, PASTRY BRUSH, SCRUBBING BRUSH, APPLE CORER, COLANDER, "
                    "SIEVE, GRATER, BOTTLE OPENER, EGG HOLDER, TOAST RACK, TOASTRACK, "
                    "JAM MAKING SET, COOKING SET, WATER BOTTLE, DRINKS BOTTLE"
                ),
            ),
            ("Doilies", "DOILY"),
            ("Straws", "STRAW"),
        ),
    ),
    (
        "Bags",
        (
            ("Jumbo bags", "JUMBO BAG, JUMBO SHOPPER, JUMBO STORAGE BAG"),
            ("Lunch bags", "LUNCH BAG"),
            ("Shopping bags", "SHOPPER, SHOPPING BAG, TOTE, TOTE BAG, RECYCLING BAG"),
            ("Handbags", "HANDBAG, EVENING BAG, BEACH BAG, AIRLINE BAG, SHOULDER BAG"),
            ("Purses & wallets", "PURSE, WALLET, CARD HOLDER, PASSPORT COVER"),
            ("Wash bags", "WASHBAG, WASH BAG, MAKE UP BAG, COSMETIC BAG, SPONGE BAG"),
            ("Backpacks", "BACKPACK, RUCKSACK, SATCHEL"),
            ("Gift bags", "GIFT BAG, PARTY BAG, CHARLOTTE BAG, SWEETIE BAG"),
            ("Other Bags", "BAG"),  # the same leaf as the fold of small groups
        ),
    ),
    (
        "Stationery & Cards",
        (
            ("Cards", "CARD, GREETING CARD, BIRTHDAY CARD, MESSAGE CARD, POSTCARD"),
            (
                "Notebooks",
                "NOTEBOOK, NOTEPAD, JOURNAL, SKETCHBOOK, DIARY, BOOK, MEMOBOARD, MEMO BOARD",
            ),
            (
                "Pens & pencils",
                "PENCIL, PEN, CRAYON, ERASER, RUBBER, SHARPENER, CHALK, CHALK STICK",
            ),
            ("Stickers", "STICKER, STICKER SHEET, TATTOO"),
            ("Calendars", "CALENDAR"),
            ("Magnets", "MAGNET, FRIDGE MAGNET"),
            ("Tape", "TAPE"),
            (
                "Desk & craft",
                (
                    "STATIONERY, WRITING SET, ENVELOPE, RULER, PAPERWEIGHT, P'WEIGHT, CALCULATOR, "
                    "HOLE PUNCH, SCISSOR, STENCIL, STENCIL CRAFT, BOOK MARK, SHOPPING LIST, "
                    "STAMP SET, NEEDLE SET"
                ),
            ),
        ),
    ),
    (
        "Party & Gift Wrap",
        (
            ("Gift wrap", "WRAP, WRAPPING PAPER, GIFT WRAP, TISSUE PAPER"),
            ("Ribbons", "RIBBON, RIBBON REEL, RAFFIA, TWINE, TINSEL REEL"),
            ("Gift tags", "GIFT TAG, TAG"),
            ("Bunting & garlands", "BUNTING, GARLAND, PAPER CHAIN, PENNANT, FLAG"),
            (
                "Party supplies",
                (
                    "PARTY*, BALLOON, CONFETTI, INVITE, HONEYCOMB FAN, PAPER FAN, PAPER BELL, "
                    "BELL HONEYCOMB PAPER, COCKTAIL SWORD, TOAST ITS"
                ),
            ),
            ("Tissues", "TISSUE"),
        ),
    ),
    (
        "Toys & Games",
        (
            (
                "Games & puzzles",
                (
                    "GAME, JIGSAW, PUZZLE, DOMINOE, PLAYING CARD, DICE, MARBLE, LUDO, BINGO SET, "
                    "SKITTLE, NAUGHTS & CROSSES, SNAKES & LADDERS"
                ),
            ),
            (
                "Soft toys & dolls",
                "DOLL, SOFT TOY, TEDDY, PUPPET, RAG DOLL, FARM ANIMAL, KNITTED HEN",
            ),
            (
                "Craft kits",
                (
                    "KIT, CRAFT KIT, SEWING KIT, KNITTING NANCY, MODELLING CLAY, COLOURING, "
                    "PAINT SET, CANVAS SET, PAPER CRAFT"
                ),
            ),
            (
                "Toys",
                (
                    "TOY, SKIPPING ROPE, SPINNING TOP, YO-YO, KALEIDOSCOPE, HARMONICA, WHISTLE, "
                    "BALL, SLATE, WINDMILL, SPACE FROG, MONEY BOX, PIGGY BANK, MONEY BANK, "
                    "HELICOPTER, GLIDER, FLYING DISC, BEACH SPADE, ROCKING HORSE, PLAYHOUSE, "
                    "INFLATABLE, BUBBLES, WHEELBARROW, RADIO"
                ),
            ),
        ),
    ),
    (
        "Jewellery & Accessories",
        (
            ("Necklaces", "NECKLACE, NECKLAC, NECKL, PENDANT, NECKLACE+BRACELET, CHOKER, LARIAT"),
            ("Bracelets", "BRACELET, BRACLET, BANGLE"),
            ("Earrings", "EARRING"),
            ("Rings", "RING"),
            ("Charms", "CHARM, BAG CHARM, PHONE CHARM"),
            ("Key rings", "KEY RING, KEYRING, KEY CHAIN, KEY-CHAIN, KEY FOB"),
            ("Hair accessories", "HAIR, HAIRCLIP, HAIRSLIDE, HAIRBAND, ALICE BAND, TIARA"),
            (
                "Accessories",
                (
                    "UMBRELLA, BROOCH, BADGE, SCARF, GLOVE, HAT, SOMBRERO, SUNGLASSES, "
                    "COMPACT MIRROR, HAND WARMER, SLIPPER, SOCK, BIB, FAN, LIP GLOSS, RAIN PONCHO, "
                    "PONCHO, RAIN MAC, HEADPHONE, PATCH, SHOWER CAP"
                ),
            ),
            ("Jewellery boxes", "JEWELLERY BOX, JEWELLERY STAND, JEWELLERY"),
        ),
    ),
    (
        "Garden",
        (
            (
                "Birds & wildlife",
                ("BIRD FEEDER, BIRD HOUSE, BIRDHOUSE, BIRD TABLE, BIRD BOX, BIRD BATH, PLANT CAGE"),
            ),
            (
                "Plant pots & planters",
                "PLANT POT, PLANTER, POT, FLOWER POT, PLANT POT HOLDER, HERB MARKER, CLOCHE",
            ),
            ("Watering cans", "WATERING CAN, CAN"),
            (
                "Garden decor",
                (
                    "GNOME, CHIME, WINDCHIME, WINDSOCK, PARASOL, THERMOMETER, GARDEN*, HAMMOCK, "
                    "TOADSTOOL, MUSHROOM"
                ),
            ),
            (
                "Garden tools",
                (
                    "TROWEL, KNEELER, KNEELING PAD, KNEELING MAT, SEED, GROW YOUR OWN, "
                    "SOW 'N' GROW, TOOL SET"
                ),
            ),
        ),
    ),
    (
        "Storage",
        (
            ("Boxes", "BOX, TRINKET BOX, STORAGE BOX, NAPKIN BOX, TISSUE BOX, STORAGE CUBE"),
            ("Tins", "TIN, BUCKET, BIN, WASTEPAPER BIN"),
            ("Baskets", "BASKET, HAMPER, CRATE"),
            ("Cabinets & drawers", "CABINET, DRAWER, CHEST, SHELF, CUPBOARD, SHELVING UNIT"),
            (
                "Tidies & organisers",
                "TIDY, ORGANISER, RACK, STAND, HOLDER, CARDHOLDER, CASE, CUBE*",
            ),
        ),
    ),
    (
        "Home Decor",
        (
            (
                "Decorations",
                (
                    "DECORATION, DEC, ORNAMENT, HEART*, STAR*, WREATH, MOBILE, BAUBLE, ANGEL*, "
                    "FAIRY*, DROPLET, BELL*, STOCKING, CRACKER, GIFT SACK, BIRD*, BUTTERFLY*, "
                    "EGG*, HEN*, CHICK*, RABBIT*, BUNNY*, DUCK*, FLYING DUCK*, OWL*, REINDEER*, "
                    "BUDDHA HEAD"
                ),
            ),
            ("Trees", "TREE*, FEATHER TREE*"),
            (
                "Wall art & signs",
                "SIGN, DOORSIGN, WALL ART, PLAQUE, TILE, NUMBER TILE, PICTURE, PRINT*, BLACKBOARD",
            ),
            ("Frames", "FRAME, PHOTOFRAME, ALBUM, PHOTO CLIP, PHOTO CLIP LINE, PHOTO CUBE"),
            ("Mirrors", "MIRROR"),
            ("Clocks", "CLOCK, ALARM CLOCK"),
            ("Cushions & throws", "CUSHION, COVER, THROW, QUILT, BLANKET, FILLER PAD, POUFFE"),
            ("Doormats & doorstops", "DOORMAT, DOORSTOP, DOOR STOP, MAT"),
            ("Hooks & knobs", "HOOK, HANGER, COAT RACK, KNOB, DRAWERKNOB, PEG"),
            ("Vases & flowers", "VASE, FLOWER*, ROSE*, BLOSSOM*, POSY*, STEM, BOUQUET, DAISY*"),
            ("Hot water bottles", "HOT WATER BOTTLE, HOTTIE, BOTTLE"),
            (
                "Bathroom",
                (
                    "TOWEL, SOAP, SOAP DISH, FLANNEL, TOILETTE, PLASTER, BATH, BATHROOM SET, "
                    "TOILET ROLL"
                ),
            ),
            ("Furniture", "CHAIR, STOOL, TABLE, BAR STOOL, LOVE SEAT, SCHOOL DESK"),
            ("Curtains", "CURTAIN, BLIND"),
            ("Letters & words", "LETTER*, WORD*, ALPHABET*"),
        ),
    ),
)


_SPLIT = re.compile(r"[^A-Z0-9'&+-]+")
_CUT_WORDS = frozenset({"WITH", "IN"})


def singular(word: str) -> str:
    """Fold an upper-case English plural to its singular, well enough for this data."""
    if len(word) <= 3 or word.endswith(("SS", "US", "IS")):
        return word
    if word.endswith("IES") and len(word) > 4:
        return word[:-3] + "Y"
    if word.endswith(("XES", "CHES", "SHES", "SSES", "ZES")):
        return word[:-2]
    if word.endswith("S"):
        return word[:-1]
    return word


def words(description: str) -> tuple[str, ...]:
    """The description's words, upper case and singular, punctuation dropped."""
    return tuple(singular(w) for w in _SPLIT.split(description.upper()) if w)


def _split(phrases: str) -> list[str]:
    return [p.strip() for p in phrases.split(",") if p.strip()]


def _phrase_table() -> dict[tuple[str, ...], tuple[str, str, bool]]:
    table: dict[tuple[str, ...], tuple[str, str, bool]] = {}
    for top, groups in CATEGORY_RULES:
        for sub, phrases in groups:
            for phrase in _split(phrases):
                motif = phrase.endswith("*")
                table[words(phrase.rstrip("*"))] = (top, sub, motif)
    return table


#: words(phrase) -> (top-level category, sub-category, is a motif word).
PHRASES: dict[tuple[str, ...], tuple[str, str, bool]] = _phrase_table()
_THEME_PHRASES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = tuple(
    (theme, tuple(words(p) for p in _split(phrases))) for theme, phrases in THEMES
)
_MAX_PHRASE = max(len(p) for p in PHRASES)


def _contains(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def _head(tokens: tuple[str, ...]) -> tuple[str, str] | None:
    """(top, sub) of the head noun: not a motif, then right-most, then the longest phrase."""
    best: tuple[bool, int, int] | None = None
    found: tuple[str, str] | None = None
    for end in range(len(tokens), 0, -1):
        for size in range(min(_MAX_PHRASE, end), 0, -1):
            hit = PHRASES.get(tokens[end - size : end])
            if hit is None:
                continue
            rank = (not hit[2], end, size)
            if best is None or rank > best:
                best, found = rank, (hit[0], hit[1])
    return found


class Classification(NamedTuple):
    """Where the rules put one description, before small groups are folded."""

    top: str  #: top-level category (a theme, a rule's category or "Other")
    sub: str | None  #: the head noun's group, None when no head noun was found
    sub_top: str | None  #: the head noun's own top-level category (differs under a theme)


def classify(description: str) -> Classification:
    """Apply rules 1-3 of the module docstring to one description."""
    tokens = words(description)
    theme = next(
        (name for name, phrases in _THEME_PHRASES if any(_contains(tokens, p) for p in phrases)),
        None,
    )
    cut = next((i for i, t in enumerate(tokens) if t in _CUT_WORDS and i > 0), None)
    head = _head(tokens[:cut]) if cut is not None else None
    if head is None:
        head = _head(tokens)
    head_top, head_sub = head if head is not None else (None, None)
    return Classification(theme or head_top or OTHER, head_sub, head_top)


def build_tree(
    descriptions: Mapping[str, str], min_size: int | None = None
) -> dict[str, tuple[str, ...]]:
    """Map each key (a StockCode) to its leaf category path, e.g. ("Bags", "Lunch bags").

    Rule 4 of the module docstring: a group needs ``min_size`` products to become a
    sub-category. Under a theme, the small groups of one top-level category that reach
    ``min_size`` together become one sub-category named after it, which then takes that
    category's big groups too ("Christmas > Stationery & Cards" holds the Christmas cards).
    What is still too small goes to "Other <top>", and a top-level category with no
    sub-category at all is itself the leaf.
    """
    if min_size is None:
        min_size = MIN_SUBCATEGORY_SIZE  # read at call time, so tests can lower it
    classified = {key: classify(text) for key, text in descriptions.items()}
    sizes = Counter((c.top, c.sub) for c in classified.values() if c.sub is not None)
    theme_sizes = Counter(
        (c.top, c.sub_top)
        for c in classified.values()
        if c.sub is not None and c.top != c.sub_top and sizes[(c.top, c.sub)] < min_size
    )
    merged = {pair for pair, n in theme_sizes.items() if n >= min_size}
    paths: dict[str, tuple[str, str | None]] = {}
    for key, c in classified.items():
        if c.top != c.sub_top and (c.top, c.sub_top) in merged:
            paths[key] = (c.top, c.sub_top)  # the whole group, so no "Cards" beside it
        elif c.sub is not None and sizes[(c.top, c.sub)] >= min_size:
            paths[key] = (c.top, c.sub)
        else:
            paths[key] = (c.top, None)
    tops_with_subs = {top for top, sub in paths.values() if sub is not None}
    tree: dict[str, tuple[str, ...]] = {}
    for key, (top, sub) in paths.items():
        if top not in tops_with_subs:
            tree[key] = (top,)
        else:
            tree[key] = (top, sub or f"Other {top}")
    return tree


def leaf_counts(tree: Mapping[str, tuple[str, ...]]) -> list[tuple[tuple[str, ...], int]]:
    """Leaves of ``tree`` with their number of products, in display order (for reports)."""
    return sorted(Counter(tree.values()).items())


def describe_rules() -> Iterable[tuple[str, str, str]]:
    """(top, sub-category, keywords) rows of the rule table, as docs/demo-data.md shows it."""
    for theme, phrases in THEMES:
        yield theme, "(theme: any of these words)", phrases
    for top, groups in CATEGORY_RULES:
        for sub, phrases in groups:
            yield top, sub, phrases
