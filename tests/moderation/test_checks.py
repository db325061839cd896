"""The automatic checks: each personal-data pattern with real-looking positives and negatives, and the
spam signs. Pure functions, no app."""
from datetime import datetime, timedelta

import pytest

from participatie.moderation import checks


def codes(text):
    return [(f.code, f.found) for f in checks.find_personal_data(text)]


@pytest.mark.parametrize("text, found", [
    ("Mail me op jan.de.vries@example.nl als u vragen hebt.", "jan.de.vries@example.nl"),
    ("Contact: j_janssen+zon@gemeente-houten.nl.", "j_janssen+zon@gemeente-houten.nl"),
    ("INFO@BOERDERIJ-DE-HOEVE.COM", "INFO@BOERDERIJ-DE-HOEVE.COM"),
])
def test_email_addresses_are_found(text, found):
    assert codes(text) == [("email", found)]


@pytest.mark.parametrize("text", [
    "Het plan staat op www.provincie-utrecht.nl/zon",
    "We spreken af @ de boerderij om 8 uur",
    "Twitter: @provincieutrecht",
])
def test_no_email_where_there_is_none(text):
    assert [c for c, _f in codes(text) if c == "email"] == []


@pytest.mark.parametrize("text, found", [
    ("Bel me op 06-12345678 als het kan.", "06-12345678"),
    ("Mijn nummer: 06 12345678", "06 12345678"),
    ("0612345678", "0612345678"),
    ("Bel +31 6 12345678 na zes uur", "+31 6 12345678"),
    ("+31612345678", "+31612345678"),
    ("Telefoon 0031 6 1234 5678.", "0031 6 1234 5678"),
    ("Vast: 030-1234567.", "030-1234567"),
    ("030 123 45 67", "030 123 45 67"),
    ("Bel (030) 123 45 67", "(030) 123 45 67"),
    ("0348-123456 is ons nummer", "0348-123456"),
    ("+31 (0)30 1234567", "+31 (0)30 1234567"),
    ("06 - 1234 5678", "06 - 1234 5678"),
])
def test_dutch_phone_numbers_are_found(text, found):
    assert codes(text) == [("phone", found)]


@pytest.mark.parametrize("text", [
    "De vergadering is op 01-02-2024 10 uur in het gemeentehuis.",
    "Het project kost 1.234.567 euro.",
    "De plek ligt op 52.0907123, 5.1214567.",
    "Tussen 2020 en 2030 komen er 1500 woningen bij.",
    "Zone 3 is 12 hectare groot en ligt 250 meter van de A12.",
    "06-123456789 heeft een cijfer te veel",
    "Het gratis nummer 0800-1234 werkt niet",
])
def test_numbers_that_are_not_phone_numbers(text):
    assert [c for c, _f in codes(text) if c == "phone"] == []


@pytest.mark.parametrize("text, found", [
    ("Ik woon op 3511 AB 12 vlak bij het veld.", "3511 AB 12"),
    ("Adres 3511AB 12a", "3511AB 12a"),
    ("3584 CS, 7-2 is mijn adres", "3584 CS, 7-2"),
    ("Domplein 29, 3512 JE Utrecht", "29, 3512 JE"),
])
def test_postcode_with_house_number_is_found(text, found):
    assert codes(text) == [("postcode", found)]


@pytest.mark.parametrize("text", [
    "Heel postcodegebied 3511 AB wordt geraakt.",
    "In 2024 zijn er 3 zones bijgekomen.",
    "In 3511 ab 12 kleine letters",  # lower-case letters: too often ordinary words
    "Postcode 3511 SA 12 bestaat niet",  # SA, SD and SS are never issued
])
def test_no_postcode_with_house_number(text):
    assert [c for c, _f in codes(text) if c == "postcode"] == []


def test_iban_with_valid_check_digits_is_found():
    assert codes("Maak het over naar NL91ABNA0417164300 graag") == [("iban", "NL91ABNA0417164300")]
    assert codes("IBAN: NL91 ABNA 0417 1643 00.") == [("iban", "NL91 ABNA 0417 1643 00")]
    assert checks.iban_is_valid("nl91abna0417164300")
    assert checks.iban_is_valid("BE68 5390 0754 7034")


def test_iban_with_invalid_check_digits_is_not_found():
    assert codes("Rekening NL92ABNA0417164300") == []
    assert codes("Rekening NL91ABNA0417164301") == []
    assert not checks.iban_is_valid("NL91ABNA041716430")  # one digit short


def test_bsn_passing_the_eleven_test_is_found():
    assert checks.bsn_is_valid("111222333")
    assert checks.bsn_is_valid("123456782")
    assert codes("Mijn BSN is 111222333.") == [("bsn", "111222333")]
    assert codes("bsn 1234.56.782") == [("bsn", "1234.56.782")]


def test_nine_digits_failing_the_eleven_test_are_not_a_bsn():
    assert not checks.bsn_is_valid("123456789")
    assert not checks.bsn_is_valid("000000000")
    assert codes("Kenmerk 123456789 op de brief") == []


def test_a_phone_number_is_not_also_reported_as_bsn():
    # "111222333" inside this phone number passes the 11-test; it is one finding, a phone.
    assert checks.bsn_is_valid("111222333")
    assert codes("Bel 0111222333 of 011-1222333") == [("phone", "0111222333"), ("phone", "011-1222333")]


def test_several_kinds_in_one_text_in_order():
    text = "Ik ben Piet, 3511 AB 12, bel 06-12345678 of mail piet@example.nl."
    assert [c for c, _f in codes(text)] == ["postcode", "phone", "email"]
    assert checks.personal_data_codes(text) == ["email", "phone", "postcode"]


def test_plain_text_has_no_personal_data():
    text = ("Ik maak me zorgen over het zonneveld bij Houten: de weidevogels broeden daar en het uitzicht "
            "over de polder verdwijnt. Kan het veld 200 meter naar het oosten?")
    assert checks.find_personal_data(text) == []
    assert checks.find_personal_data("") == []


# --- spam signs -------------------------------------------------------------------------------------

def test_many_links():
    text = " ".join(f"https://winkel.example/{n}" for n in range(4))
    assert checks.count_links(text) == 4
    assert checks.too_many_links(text, max_links=3)
    assert not checks.too_many_links("Zie https://www.provincie-utrecht.nl en www.rvo.nl", max_links=3)
    assert checks.too_many_links("www.a.nl www.b.nl", max_links=1)


def test_repeated_text_ignores_case_spacing_and_punctuation():
    text = "Geen zonneveld in onze mooie polder, dat is zonde van het landschap!"
    assert checks.is_repeated(text, ["geen ZONNEVELD in onze mooie polder dat is zonde van het landschap"])
    assert not checks.is_repeated(text, ["Wel een zonneveld in onze polder graag, goed voor iedereen."])
    # short answers are said twice in good faith
    assert not checks.is_repeated("Eens!", ["eens"])


def test_burst_counts_only_the_window():
    now = datetime(2026, 5, 1, 12, 0)
    recent = [now - timedelta(minutes=m) for m in (1, 2, 3, 4, 5)]
    assert checks.is_burst(recent, now, max_count=5, minutes=10)
    assert not checks.is_burst(recent[:4], now, max_count=5, minutes=10)
    old = [now - timedelta(minutes=m) for m in (11, 20, 30, 40, 50)]
    assert not checks.is_burst(old, now, max_count=5, minutes=10)


def test_spam_codes_combines_the_signs():
    now = datetime(2026, 5, 1, 12, 0)
    text = "Koop nu zonnepanelen bij ons: https://a.example https://b.example https://c.example https://d.example"
    assert checks.spam_codes(text, now=now) == ["links"]
    same = "Dit plan is slecht voor de natuur en moet van tafel."
    assert checks.spam_codes(same, author_texts=[same], now=now) == ["repeated"]
    assert checks.spam_codes(same, round_texts=[same], now=now) == []  # one other person: coincidence
    assert checks.spam_codes(same, round_texts=[same, same], now=now) == ["repeated"]
    assert checks.spam_codes(same, author_times=[now] * 5, now=now, burst_count=5) == ["burst"]
    assert checks.spam_codes("Een gewone reactie over het plan.", author_texts=["iets anders"],
                             author_times=[now - timedelta(hours=2)], now=now) == []
