"""Real document bytes made in the tests: PDF, DOCX, ODT, TXT, and some that must be refused."""
import io
import zipfile

from pypdf import PdfWriter


def pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose content stream shows `lines` (written by hand, offsets computed)."""

    def literal(value: str) -> bytes:
        raw = value.encode("cp1252")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    stream = b"BT /F1 11 Tf 14 TL 50 800 Td " + b" ".join(literal(line) + b" Tj T*" for line in lines) + b" ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, start)
    return bytes(out)


def blank_pdf() -> bytes:
    """A valid PDF with one empty page: no text to extract (like a scan)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf(lines: list[str], password: str = "geheim") -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf(lines)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _zip(members: dict[str, bytes | str], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:  # ODF wants 'mimetype' first and stored uncompressed
            archive.writestr(zipfile.ZipInfo(first), members[first], compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            if name != first:
                archive.writestr(name, data)
    return buffer.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(paragraphs: list[str], document_xml: str | None = None) -> bytes:
    """A minimal Word document; a paragraph's '\\t' becomes a w:tab between two runs."""

    def paragraph(text: str) -> str:
        runs = "<w:r><w:tab/></w:r>".join(f"<w:r><w:t xml:space=\"preserve\">{part}</w:t></w:r>"
                                           for part in text.split("\t"))
        return f"<w:p>{runs}</w:p>"

    body = "".join(paragraph(p) for p in paragraphs)
    xml = document_xml or (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    )
    return _zip({
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": xml,
    })


def odt(heading: str, paragraphs: list[str], mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    """A minimal OpenDocument text; two spaces in a paragraph become a text:s element."""

    def paragraph(text: str) -> str:
        return "<text:p>" + text.replace("  ", ' <text:s text:c="1"/>') + "</text:p>"

    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f'<office:body><office:text><text:h text:outline-level="1">{heading}</text:h>'
        + "".join(paragraph(p) for p in paragraphs)
        + "</office:text></office:body></office:document-content>"
    )
    return _zip(
        {
            "mimetype": mimetype,
            "content.xml": content,
            "META-INF/manifest.xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                "</manifest:manifest>"
            ),
        },
        first="mimetype",
    )


def plain_zip() -> bytes:
    return _zip({"readme.txt": "geen document"})


# A Windows program: "MZ" header, DOS stub and NUL bytes. Refused whatever its name says.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."
