"""Automatic checks on what residents write: personal data and signs of spam.

Pure functions, no database and no app: the services feed them the text and, for the spam signs,
what the same account (or the round) wrote before. A check never drops anything: a finding only sends
the input to the moderation queue, where a moderator can redact it or approve it as a false positive.

Personal data: e-mail addresses, Dutch phone numbers, postcode + house number, IBAN (mod-97 checked)
and BSN (11-test checked). Spam signs: many links, the same text again, bursts from one account.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

# Codes stored in Contribution.held_reasons / Reply.held_reasons.
EMAIL = "email"
PHONE = "phone"
POSTCODE = "postcode"
IBAN = "iban"
BSN = "bsn"
PERSONAL_DATA = (EMAIL, PHONE, POSTCODE, IBAN, BSN)
LINKS = "links"
REPEATED = "repeated"
BURST = "burst"
SPAM = (LINKS, REPEATED, BURST)
FLAGS = "flags"  # held because enough people flagged it (moderation.services)
HELD_REASONS = PERSONAL_DATA + SPAM + (FLAGS,)


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in a text: its kind (code), the text found and where."""

    code: str
    found: str
    start: int
    end: int


# --- personal data ----------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# A separator people type inside a phone number: a space, or a dash, dot or slash with optional spaces.
_SEP = r"(?: ?[\-./] ?| )?"
_END = r"(?![\w]|[.,/-]\d)"
# National: 0, a non-zero digit, then eight more digits (ten in all), e.g. 06-12345678, 030-1234567,
# 030 123 45 67, 0348-123456; or the area code in brackets: (030) 123 45 67.
_PHONE_NATIONAL = re.compile(
    r"(?<![\w.,/+-])(?:0[1-9](?:" + _SEP + r"\d){8}|\(0[1-9]\d{0,2}\) ?\d(?:" + _SEP + r"\d){4,8})" + _END)
# International: +31 or 0031, an optional (0), then nine digits, e.g. +31 6 12345678, 0031 30 1234567.
_PHONE_INTERNATIONAL = re.compile(
    r"(?<![\w.,/+-])(?:\+|00) ?31" + _SEP + r"(?:\(0\) ?)?[1-9](?:" + _SEP + r"\d){8}" + _END)
# Dates and times look like runs of digits too: 01-02-2024 10.00 is not a phone number.
_DATE_START = re.compile(r"^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")

# Postcode (four digits, the first not 0, two capitals; SA, SD and SS are never issued) with a house
# number after it ("3511 AB 12", "3511AB 12a", "3511 AB, 12-2") or before it ("12a, 3511 AB").
_POSTCODE = r"[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}"
_HOUSE_NUMBER = r"\d{1,5}(?: ?[a-zA-Z](?![\w])|-\d{1,4}|(?![\w]))"
_POSTCODE_THEN_NUMBER = re.compile(r"(?<![\w])" + _POSTCODE + r"(?![\w])[ ,]*(?:nr\.? ?)?" + _HOUSE_NUMBER)
_NUMBER_THEN_POSTCODE = re.compile(
    r"(?<=[A-Za-z] )\d{1,5}(?: ?[a-zA-Z])?,? +" + _POSTCODE + r"(?![\w])")

# IBAN: country code, two check digits, then up to 30 letters/digits, in groups of four or not.
_IBAN = re.compile(r"(?<![\w])([A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?)(?![\w])")
_IBAN_LENGTHS = {"NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "LU": 20, "ES": 24, "IT": 27, "AT": 20}

# BSN: nine digits, possibly in groups (1234.56.782, 123 456 782).
_BSN = re.compile(r"(?<![\w.,+/-])(?:\d[ .]?){8}\d(?![\w]|[.,/-]\d)")


def iban_is_valid(value: str) -> bool:
    """True when `value` (spaces allowed) is an IBAN with correct check digits (ISO 13616, mod 97)."""
    iban = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def bsn_is_valid(value: str) -> bool:
    """True when `value` is nine digits (separators allowed) passing the 11-test of the BSN."""
    digits = re.sub(r"[ .]", "", value)
    if not re.fullmatch(r"\d{9}", digits) or digits == "000000000":
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _phone_findings(text: str) -> list[Finding]:
    found = []
    for match in _PHONE_INTERNATIONAL.finditer(text):
        found.append(Finding(PHONE, match.group(), match.start(), match.end()))
    for match in _PHONE_NATIONAL.finditer(text):
        value = match.group()
        if len(_digits(value)) != 10 or _DATE_START.match(value):
            continue
        if any(f.start <= match.start() < f.end for f in found):
            continue
        found.append(Finding(PHONE, value, match.start(), match.end()))
    return found


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of personal data in `text`, in order of appearance. Matches that overlap a
    stronger one (a BSN-like run inside a phone number or an IBAN) are left out."""
    if not text:
        return []
    findings: list[Finding] = []
    findings += [Finding(EMAIL, m.group(), m.start(), m.end()) for m in _EMAIL.finditer(text)]
    findings += _phone_findings(text)
    for pattern in (_POSTCODE_THEN_NUMBER, _NUMBER_THEN_POSTCODE):
        findings += [Finding(POSTCODE, m.group(), m.start(), m.end()) for m in pattern.finditer(text)]
    findings += [Finding(IBAN, m.group(1), m.start(1), m.end(1)) for m in _IBAN.finditer(text)
                 if iban_is_valid(m.group(1))]
    taken = list(findings)
    for match in _BSN.finditer(text):
        if bsn_is_valid(match.group()) and not any(f.start < match.end() and match.start() < f.end for f in taken):
            findings.append(Finding(BSN, match.group(), match.start(), match.end()))
    findings.sort(key=lambda f: (f.start, f.end))
    # Drop a finding inside an earlier one (an e-mail address's digits, a postcode in an address twice).
    result: list[Finding] = []
    for finding in findings:
        if result and finding.start < result[-1].end:
            continue
        result.append(finding)
    return result


def personal_data_codes(text: str) -> list[str]:
    """The kinds of personal data in `text`, each once, in the fixed order of PERSONAL_DATA."""
    codes = {f.code for f in find_personal_data(text)}
    return [code for code in PERSONAL_DATA if code in codes]


# --- spam signs -------------------------------------------------------------------------------------

_LINK = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")


def count_links(text: str) -> int:
    """The number of web addresses (http(s):// or www.) in the text."""
    return len(_LINK.findall(text or ""))


def too_many_links(text: str, max_links: int = 3) -> bool:
    """True when the text holds more than `max_links` links."""
    return count_links(text) > max_links


def normalise(text: str) -> str:
    """The text for comparing: lower case, accents, punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.findall(r"\w+", plain))


def is_repeated(text: str, earlier_texts, min_length: int = 20) -> bool:
    """True when `text` is the same (normalised) as one of `earlier_texts`. Short texts ("eens",
    "goed plan") are said twice in good faith and never count."""
    mine = normalise(text)
    if len(mine) < min_length:
        return False
    return any(normalise(other) == mine for other in earlier_texts)


def is_burst(earlier_times, now: datetime, max_count: int = 5, minutes: int = 10) -> bool:
    """True when the account already posted `max_count` or more items in the last `minutes`, so this
    one would be more than `max_count` in that window."""
    since = now - timedelta(minutes=minutes)
    return sum(1 for moment in earlier_times if since <= moment <= now) >= max_count


def spam_codes(text: str, *, author_texts=(), round_texts=(), author_times=(), now: datetime | None = None,
               max_links: int = 3, burst_count: int = 5, burst_minutes: int = 10,
               repeat_across: int = 2) -> list[str]:
    """The spam signs of a new text. `author_texts`: what the same account wrote before;
    `round_texts`: what others wrote in the same round (repeated when `repeat_across` or more of them
    are the same); `author_times`: when the account posted before."""
    codes = []
    if too_many_links(text, max_links):
        codes.append(LINKS)
    mine = normalise(text)
    if is_repeated(text, author_texts) or (
            len(mine) >= 20 and sum(1 for other in round_texts if normalise(other) == mine) >= repeat_across):
        codes.append(REPEATED)
    if now is not None and is_burst(author_times, now, burst_count, burst_minutes):
        codes.append(BURST)
    return codes
