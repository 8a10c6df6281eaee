"""Persian and Thai catalogues of the shopper-facing apps: complete and compiled.

Every string marked for translation in the apps' code and templates must have a (non-fuzzy)
translation in ``locale/{fa,th}``, and the shipped ``.mo`` files must say the same as the
``.po`` files (they are committed, so a forgotten ``compilemessages`` would ship English).
``ecrm_wagtail/loyalty_blocks.py`` is a module, not an app, so Django loads no catalogue of
its own: its strings live in the loyalty app's catalogue (``make messages`` extracts them).
"""

from __future__ import annotations

import ast
import gettext
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

import ecrm_oscar.automation
import ecrm_oscar.core
import ecrm_oscar.customers
import ecrm_oscar.dashboard
import ecrm_oscar.loyalty
import ecrm_oscar.privacy
import ecrm_oscar.recommendations
import ecrm_oscar.support
import ecrm_oscar.tracking
import ecrm_wagtail.blocks
import ecrm_wagtail.helpcenter
import ecrm_wagtail.loyalty_blocks

APPS = {
    "automation": Path(ecrm_oscar.automation.__file__).parent,
    "blocks": Path(ecrm_wagtail.blocks.__file__).parent,
    "core": Path(ecrm_oscar.core.__file__).parent,
    "customers": Path(ecrm_oscar.customers.__file__).parent,
    "dashboard": Path(ecrm_oscar.dashboard.__file__).parent,
    "helpcenter": Path(ecrm_wagtail.helpcenter.__file__).parent,
    "loyalty": Path(ecrm_oscar.loyalty.__file__).parent,
    "privacy": Path(ecrm_oscar.privacy.__file__).parent,
    "recommendations": Path(ecrm_oscar.recommendations.__file__).parent,
    "support": Path(ecrm_oscar.support.__file__).parent,
    "tracking": Path(ecrm_oscar.tracking.__file__).parent,
}
# Source files outside an app whose strings an app's catalogue carries, under the name the
# Makefile's `messages` target copies them to while makemessages runs.
EXTRA_SOURCES = {
    "loyalty": {"wagtail_loyalty_blocks.py": Path(ecrm_wagtail.loyalty_blocks.__file__)},
}
LANGUAGES = ["fa", "th"]


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), fuzzy (bool)."""
    entries: list[dict] = []
    entry: dict = {}
    key = None

    def close() -> None:
        if "msgid" in entry:
            entries.append(entry.copy())
        entry.clear()

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            close()
            key = None
        elif line.startswith("#,"):
            close()
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            if "msgid" in entry:
                close()
            key = "msgctxt"
            entry[key] = ast.literal_eval(line[8:])
        elif line.startswith("msgid_plural "):
            key = "msgid_plural"
            entry[key] = ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            if "msgid" in entry:
                close()
            key = "msgid"
            entry[key] = ast.literal_eval(line[6:])
        elif line.startswith("msgstr"):
            key = "msgstr"
            entry.setdefault("msgstr", []).append(ast.literal_eval(line.split(" ", 1)[1]))
        elif line.startswith('"') and key:
            if key == "msgstr":
                entry["msgstr"][-1] += ast.literal_eval(line)
            else:
                entry[key] += ast.literal_eval(line)
    return [e for e in entries if e["msgid"]]  # without the header


def _gaps(path: Path) -> list[str]:
    return [
        e["msgid"]
        for e in read_po(path)
        if e.get("fuzzy") or not e.get("msgstr") or not all(e["msgstr"])
    ]


@pytest.mark.parametrize("app", sorted(APPS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_shipped_catalogue_is_complete_and_compiled(app, language):
    po = APPS[app] / "locale" / language / "LC_MESSAGES" / "django.po"
    assert _gaps(po) == [], f"{po}: untranslated or fuzzy"
    with (po.with_suffix(".mo")).open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    stale = []
    for entry in read_po(po):
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            # plural form 0 is chosen for n = 1, form 1 (Persian only) for n = 2
            for form, expected in enumerate(entry["msgstr"]):
                args = (entry["msgid"], entry["msgid_plural"], form + 1)
                found = mo.npgettext(context, *args) if context else mo.ngettext(*args)
                if found != expected:
                    stale.append(entry["msgid"])
        else:
            found = mo.pgettext(context, entry["msgid"]) if context else mo.gettext(entry["msgid"])
            if found != entry["msgstr"][0]:
                stale.append(entry["msgid"])
    assert stale == [], f"{po.with_suffix('.mo')} is older than the .po: run compilemessages"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("app", sorted(APPS))
def test_every_marked_string_is_translated(app, tmp_path, monkeypatch):
    """makemessages over a copy of the app: any new msgid shows up untranslated here."""
    copy = tmp_path / app
    shutil.copytree(APPS[app], copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    for name, source in EXTRA_SOURCES.get(app, {}).items():
        shutil.copy(source, copy / name)
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=LANGUAGES, no_obsolete=True, verbosity=0)
    for language in LANGUAGES:
        po = copy / "locale" / language / "LC_MESSAGES" / "django.po"
        assert _gaps(po) == [], f"{app}/{language}: msgids without a translation"


def test_read_po_sees_gaps(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fa\\n"\n\n'
        'msgid "Yes"\nmsgstr "بله"\n\n'
        'msgid "No"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Send"\nmsgstr "ارسال"\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "x"\nmsgstr[1] ""\n\n'
        'msgid ""\n"Long "\n"text"\nmsgstr ""\n"Long"\n"er"\n\n'
        '#: a.html:1\nmsgctxt "email"\nmsgid "Opened"\nmsgstr "باز شده"\n',
        encoding="utf-8",
    )
    assert _gaps(po) == ["No", "Send", "%(n)s day"]
    assert read_po(po)[-2]["msgid"] == "Long text" and read_po(po)[-2]["msgstr"] == ["Longer"]
    assert read_po(po)[-1] == {"msgctxt": "email", "msgid": "Opened", "msgstr": ["باز شده"]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_registration_consent_box_is_translated(language):
    """The registration box (an include in Oscar's forms) renders in the active language."""
    from django.template.loader import render_to_string
    from django.utils import translation

    po = APPS["privacy"] / "locale" / language / "LC_MESSAGES" / "django.po"
    label = next(e for e in read_po(po) if e["msgid"] == "Email me offers and news")
    with translation.override(language):
        html = render_to_string("ecrm/privacy/registration_consent.html")
    assert label["msgstr"][0] in html and "Email me offers" not in html


def test_a_word_shared_by_two_apps_keeps_each_apps_meaning():
    """Django merges every app's catalogue (the first installed app wins a msgid), so a
    word two apps mean differently needs a context: an email's "Opened" is not a support
    case's, and the RFM segment "New" must not rename the support status "New"."""
    from django.utils import translation
    from django.utils.translation import gettext

    from ecrm_oscar.automation.abstract_models import MessageStatus
    from ecrm_oscar.support.abstract_models import CaseStatus

    with translation.override("th"):
        assert str(MessageStatus.OPENED.label) == "เปิดแล้ว"
        assert gettext("Opened") == "เปิดเมื่อ"  # the support case's opening time
        assert str(CaseStatus.NEW.label) == "ใหม่"
    with translation.override("fa"):
        assert str(MessageStatus.OPENED.label) == "باز شده"
        assert gettext("What") == "شرح"  # the loyalty history's column, not "چه"
