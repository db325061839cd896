"""Documents: the type is judged from the content, text is extracted, bad files never crash."""
import hashlib

import pytest

from participatie.extensions import db
from participatie.projects import search, services
from participatie.projects.models import Document, DocumentFile

from . import samples


@pytest.mark.parametrize(
    "data, kind",
    [
        (samples.pdf(["Hallo"]), services.PDF),
        (samples.docx(["Hallo"]), services.DOCX),
        (samples.odt("Kop", ["Hallo"]), services.ODT),
        ("Gewone tekst met één accent.\n".encode(), services.TXT),
        ("\ufeffTekst met BOM".encode(), services.TXT),
    ],
)
def test_sniff_recognises_real_files(data, kind):
    assert services.sniff(data) is kind


@pytest.mark.parametrize(
    "data",
    [
        samples.EXE,  # a program, whatever it is called
        samples.plain_zip(),  # a zip that is no office document
        samples.odt("Kop", ["x"], mimetype="application/vnd.oasis.opendocument.spreadsheet"),
        "latin-1 tekst: café".encode("latin-1"),  # not valid UTF-8
        b"tekst met een NUL\x00-byte",
        b"PK\x03\x04 kapotte zip",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
)
def test_sniff_refuses_other_content(data):
    assert services.sniff(data) is None


def test_extract_pdf_text():
    text, notice = services.extract_text(services.PDF, samples.pdf(["Over zonnevelden", "Tweede regel"]))
    assert notice is None
    assert "Over zonnevelden" in text and "Tweede regel" in text


def test_extract_docx_paragraphs_and_tabs():
    text, notice = services.extract_text(services.DOCX, samples.docx(["Eerste alinea", "Links\tRechts"]))
    assert notice is None
    assert text == "Eerste alinea\n\nLinks\tRechts"


def test_extract_odt_heading_paragraphs_and_spaces():
    text, notice = services.extract_text(services.ODT, samples.odt("Inleiding", ["Twee  spaties", "Slot"]))
    assert notice is None
    assert text == "Inleiding\n\nTwee  spaties\n\nSlot"


def test_extract_txt_strips_bom_and_control_characters():
    text, notice = services.extract_text(services.TXT, "\ufeffRegel één\r\nRegel\x07 twee".encode())
    assert (text, notice) == ("Regel één\nRegel twee", None)


@pytest.mark.parametrize(
    "kind, data, notice",
    [
        (services.PDF, b"%PDF-1.7\nthis is not really a pdf", "unreadable"),
        (services.PDF, samples.pdf(["Hallo"])[:60], "unreadable"),  # cut off half-way
        (services.PDF, samples.encrypted_pdf(["Geheime tekst"]), "encrypted"),
        (services.PDF, samples.blank_pdf(), "no_text"),
        (services.DOCX, samples.docx([], document_xml="<w:document><niet-af"), "unreadable"),
        (
            services.DOCX,
            samples.docx([], document_xml='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
            "unreadable",
        ),
        (services.TXT, b"   \n\n ", "no_text"),
    ],
)
def test_unreadable_files_give_a_notice_not_an_error(app, kind, data, notice):
    assert services.extract_text(kind, data) == ("", notice)


def test_add_document_stores_bytes_hash_type_and_text(app, make_project):
    project = make_project()
    data = samples.docx(["De zonnevelden komen er."])
    document = services.add_document(project, " Plan ", "C:\\Users\\x\\plan.docx", data, "Uitleg")
    db.session.commit()
    stored = db.session.get(Document, document.id)
    assert stored.title == "Plan"
    assert stored.filename == "plan.docx"
    assert stored.media_type == services.DOCX.media_type
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.file.data == data
    assert stored.text == "De zonnevelden komen er."
    assert stored.extract_notice is None


def test_corrupt_pdf_is_stored_with_a_notice(app, make_project):
    project = make_project()
    document = services.add_document(project, "Kapot", "kapot.pdf", b"%PDF-1.4\n\x00\x01 garbage")
    db.session.commit()
    assert document.id is not None
    assert document.extract_notice == "unreadable"
    assert document.text == ""


def test_exe_renamed_pdf_is_refused_and_nothing_stored(app, make_project):
    project = make_project()
    with pytest.raises(services.DocumentError) as error:
        services.add_document(project, "Factuur", "factuur.pdf", samples.EXE)
    assert error.value.code == "type"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(DocumentFile)) == 0


def test_oversize_and_empty_files_are_refused(app, make_project):
    project = make_project()
    app.config["MAX_DOCUMENT_BYTES"] = 100
    with pytest.raises(services.DocumentError) as error:
        services.add_document(project, "Groot", "groot.txt", b"a" * 101)
    assert error.value.code == "too_large"
    services.add_document(project, "Precies", "precies.txt", b"a" * 100)  # the limit itself is fine
    with pytest.raises(services.DocumentError) as error:
        services.add_document(project, "Leeg", "leeg.txt", b"")
    assert error.value.code == "empty"


@pytest.mark.parametrize(
    "raw, kind, expected",
    [
        ("../../etc/passwd", services.TXT, "passwd.txt"),
        ("rapport.pdf", services.TXT, "rapport.pdf.txt"),  # the name may not claim another type
        ("Notitie.PDF", services.PDF, "Notitie.PDF"),
        ("\x00\x1b[31m.pdf", services.PDF, "[31m.pdf"),
        ("", services.ODT, "document.odt"),
        (None, services.DOCX, "document.docx"),
    ],
)
def test_display_filename(raw, kind, expected):
    assert services.display_filename(raw, kind) == expected


def test_text_blocks_split_on_blank_lines():
    assert services.text_blocks("Kop\n\nEen\ntwee\n\n\n  \nDrie") == ["Kop", "Een\ntwee", "Drie"]


def test_deleting_a_document_removes_it_from_search(app, make_project, make_document):
    project = make_project()
    document = make_document(project, text="Over nieuwe windparken")
    assert search.search("windpark").total == 1
    services.delete_document(document)
    db.session.commit()
    assert search.search("windpark").total == 0
    assert db.session.get(DocumentFile, document.id) is None
