"""The English catalogue is complete: every Dutch interface text has an English translation."""
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "participatie" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("participatie/**.py", "python"), ("templates/**.html", "jinja2")]


def _msgids():
    found = set()
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=keywords,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_every_message_has_an_english_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    missing = []
    for msgid in sorted(_msgids(), key=str):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalogue.get(key)
        if entry is None or entry.fuzzy or not (entry.string if isinstance(entry.string, str) else all(entry.string)):
            missing.append(key)
    assert missing == [], f"{len(missing)} untranslated: {missing[:20]}"


def test_extraction_finds_interface_texts():
    assert "Direct naar de inhoud" in _msgids()
