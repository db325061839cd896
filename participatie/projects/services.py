"""Projects domain logic: projects, the phase timeline, documents (type check, text extraction) and
keeping the search index up to date. Functions flush; the caller commits."""
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from xml.etree import ElementTree

from flask import current_app
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..permissions import Role, has_role
from ..sanitize import clean_html
from . import search
from .models import DRAFT, PUBLISHED, Document, DocumentFile, Phase, Project

STATUSES = (DRAFT, PUBLISHED)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- projects --------------------------------------------------------------------------------


def published_projects() -> list[Project]:
    """Published projects, newest first, with their phases loaded for the cards."""
    return db.session.scalars(
        db.select(Project)
        .filter_by(status=PUBLISHED)
        .options(selectinload(Project.phases))
        .order_by(Project.created_at.desc(), Project.id.desc())
    ).all()


def all_projects() -> list[Project]:
    return db.session.scalars(db.select(Project).order_by(Project.title)).all()


def can_view_project(user, project: Project) -> bool:
    """Published projects are public; drafts only for admins (who prepare them)."""
    return project.is_published or has_role(user, Role.ADMIN)


def project_by_slug(slug: str) -> Project | None:
    return db.session.scalar(db.select(Project).filter_by(slug=slug))


def slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = db.select(Project.id).filter_by(slug=slug)
    if exclude_id is not None:
        query = query.where(Project.id != exclude_id)
    return db.session.scalar(query) is not None


def slugify(title: str) -> str:
    """A URL name from a title: 'Groene fietsroutes!' → 'groene-fietsroutes'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:120].strip("-") or "project"


def unique_slug(title: str) -> str:
    base = slugify(title)
    slug, n = base, 2
    while slug_taken(slug):
        slug, n = f"{base[:110]}-{n}", n + 1
    return slug


def parse_themes(text_: str | list | None) -> list[str]:
    """Themes from a comma list: trimmed, lower case, no doubles, no empties."""
    items = text_ if isinstance(text_, list) else (text_ or "").split(",")
    themes = []
    for item in items:
        theme = " ".join(item.split()).lower()[:40]
        if theme and theme not in themes:
            themes.append(theme)
    return themes


class AreaError(ValueError):
    """GeoJSON that is not a usable area; `code` says why: json, type, geometry, invalid, range."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def parse_area(text_: str | dict | None) -> dict | None:
    """A GeoJSON geometry (or a Feature's geometry) checked with shapely; None when empty."""
    from shapely.geometry import mapping, shape

    if text_ is None or (isinstance(text_, str) and not text_.strip()):
        return None
    try:
        data = json.loads(text_) if isinstance(text_, str) else text_
    except ValueError as exc:
        raise AreaError("json") from exc
    if not isinstance(data, dict):
        raise AreaError("type")
    if data.get("type") == "Feature":
        data = data.get("geometry")
        if not isinstance(data, dict):
            raise AreaError("type")
    if data.get("type") in (None, "Feature", "FeatureCollection"):
        raise AreaError("type")
    try:
        geometry = shape(data)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise AreaError("geometry") from exc
    if geometry.is_empty:
        raise AreaError("geometry")
    if not geometry.is_valid:
        raise AreaError("invalid")
    min_x, min_y, max_x, max_y = geometry.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise AreaError("range")
    # Through JSON once, so that shapely's tuples are stored as plain lists.
    return json.loads(json.dumps(mapping(geometry)))


def area_km2(geometry: dict | None) -> float | None:
    """The surface of an area in km², measured in RD New (EPSG:28992); None for no area or no surface."""
    if not geometry:
        return None
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape

    try:
        to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
        surface = shapely.transform(shape(geometry), to_rd.transform, interleaved=False).area / 1_000_000
    except Exception:  # a description helper must never break the page
        return None
    return surface if surface > 0.01 else None


def _apply_project_fields(project: Project, data: dict) -> None:
    project.slug = data["slug"]
    project.title = data["title"].strip()
    project.summary = (data.get("summary") or "").strip()
    project.description_html = clean_html(data.get("description") or "").strip()
    project.themes = parse_themes(data.get("themes"))
    project.contact_name = (data.get("contact_name") or "").strip()
    project.contact_email = (data.get("contact_email") or "").strip()
    project.contact_phone = (data.get("contact_phone") or "").strip()
    status = data.get("status") or DRAFT
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    project.status = status
    project.area = parse_area(data.get("area"))


def create_project(**data) -> Project:
    """Create a project from form data (slug made from the title when empty) and index it."""
    data = dict(data)
    if not data.get("slug"):
        data["slug"] = unique_slug(data["title"])
    project = Project()
    _apply_project_fields(project, data)
    db.session.add(project)
    db.session.flush()
    reindex_project(project)
    return project


def update_project(project: Project, **data) -> Project:
    """Change a project and its search entry (a status change also changes what search finds)."""
    data = dict(data)
    if not data.get("slug"):
        data["slug"] = project.slug
    _apply_project_fields(project, data)
    db.session.flush()
    reindex_project(project)
    return project


def set_status(project: Project, status: str) -> None:
    """Publish or unpublish a project."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    project.status = status
    db.session.flush()
    reindex_project(project)


def delete_project(project: Project) -> None:
    """Delete a project with its phases, documents and search entries."""
    search.remove_project(project.id)
    db.session.delete(project)
    db.session.flush()


def reindex_project(project: Project) -> None:
    """Write the search entries of a project and of all its documents.

    Drafts keep their entries: the search query itself only returns published projects."""
    body = "\n\n".join(
        part for part in (project.summary, html_to_text(project.description_html), ", ".join(project.themes))
        if part
    )
    search.index(search.PROJECT, project.id, project.id, project.title, body)
    for document in project.documents:
        _index_document(document)


class _TextCollector(HTMLParser):
    BLOCKS = {"p", "br", "li", "h1", "h2", "h3", "h4", "blockquote", "div", "ul", "ol"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Plain text of (cleaned) HTML, one line per block, for the search index."""
    if not html:
        return ""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# --- the phase timeline ----------------------------------------------------------------------

DONE, CURRENT, NEXT, LATER = "done", "current", "next", "later"


@dataclass
class Timeline:
    items: list[tuple[Phase, str]]
    current: Phase | None
    next: Phase | None

    @property
    def finished(self) -> bool:
        return bool(self.items) and self.current is None and self.next is None


def timeline(project: Project, today: date | None = None) -> Timeline:
    """Each phase with its state on `today`: done, current ("nu"), next ("hierna") or later.

    The current phase is the latest started phase that has not ended; a phase without an end date
    runs until a later phase starts."""
    today = today or date.today()
    phases = sorted(project.phases, key=lambda p: (p.starts_on, p.id or 0))
    running = [p for p in phases if p.starts_on <= today and (p.ends_on is None or p.ends_on >= today)]
    current = running[-1] if running else None
    upcoming = [p for p in phases if p.starts_on > today]
    following = upcoming[0] if upcoming else None
    items = []
    for phase in phases:
        if phase is current:
            state = CURRENT
        elif phase is following:
            state = NEXT
        elif phase.starts_on > today:
            state = LATER
        else:
            state = DONE
        items.append((phase, state))
    return Timeline(items=items, current=current, next=following)


def add_phase(project: Project, title: str, starts_on: date, ends_on: date | None = None,
              description: str = "") -> Phase:
    _check_dates(starts_on, ends_on)
    phase = Phase(project=project, title=title.strip(), description=(description or "").strip(),
                  starts_on=starts_on, ends_on=ends_on)
    db.session.add(phase)
    db.session.flush()
    return phase


def update_phase(phase: Phase, title: str, starts_on: date, ends_on: date | None = None,
                 description: str = "") -> Phase:
    _check_dates(starts_on, ends_on)
    phase.title = title.strip()
    phase.description = (description or "").strip()
    phase.starts_on = starts_on
    phase.ends_on = ends_on
    db.session.flush()
    return phase


def delete_phase(phase: Phase) -> None:
    db.session.delete(phase)
    db.session.flush()


def _check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise ValueError("a phase cannot end before it starts")


# --- documents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    name: str  # pdf, docx, odt, txt
    media_type: str
    extension: str
    label: str  # shown to readers


PDF = FileKind("pdf", "application/pdf", ".pdf", "PDF")
DOCX = FileKind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "Word (DOCX)"
)
ODT = FileKind("odt", "application/vnd.oasis.opendocument.text", ".odt", "OpenDocument (ODT)")
TXT = FileKind("txt", "text/plain", ".txt", "Tekst (TXT)")
KINDS = {kind.media_type: kind for kind in (PDF, DOCX, ODT, TXT)}

# Extraction limits, so that one hostile file cannot exhaust memory or time.
MAX_XML_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 2000
MAX_TEXT_CHARS = 2_000_000


class DocumentError(ValueError):
    """An upload that is refused; `code` is empty, too_large or type."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def sniff(data: bytes) -> FileKind | None:
    """The kind of a file judged from its content (never its name), or None when not allowed."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return TXT


def _sniff_zip(data: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 200 and archive.read(info).strip() == ODT.media_type.encode():
                    return ODT
                return None
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError, EOFError):
        return None
    return None


def extract_text(kind: FileKind, data: bytes) -> tuple[str, str | None]:
    """The text of a file and a notice code (unreadable, encrypted, no_text) when there is none.
    Never raises: a file we cannot read is still stored, with the notice."""
    extractors = {"pdf": _pdf_text, "docx": _docx_text, "odt": _odt_text, "txt": _txt_text}
    try:
        text_ = extractors[kind.name](data)
    except _Encrypted:
        return "", "encrypted"
    except Exception:  # corrupt files raise all sorts of errors in pypdf, zipfile and expat
        current_app.logger.info("could not extract text from a %s document", kind.name, exc_info=True)
        return "", "unreadable"
    text_ = _clean_text(text_)
    return (text_, None) if text_.strip() else ("", "no_text")


class _Encrypted(Exception):
    pass


def _clean_text(text_: str) -> str:
    """Normalise line ends, drop control characters (PostgreSQL refuses NUL), trim blank lines."""
    text_ = text_.replace("\r\n", "\n").replace("\r", "\n")
    text_ = "".join(ch for ch in text_ if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text_ = re.sub(r"[ \t]+\n", "\n", text_)
    text_ = re.sub(r"\n{3,}", "\n\n", text_)
    return text_.strip()[:MAX_TEXT_CHARS]


def _txt_text(data: bytes) -> str:
    return data.decode("utf-8-sig")


def _pdf_text(data: bytes) -> str:
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            # Many PDFs are "encrypted" with an empty password only to restrict printing.
            if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise _Encrypted
        except _Encrypted:
            raise
        except Exception as exc:
            raise _Encrypted from exc
    pages = []
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES:
            break
        pages.append(page.extract_text() or "")
    return "\n\n".join(page.strip() for page in pages)


def _read_xml(data: bytes, member: str) -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
        if info.file_size > MAX_XML_BYTES:
            raise ValueError("XML part too large")
        xml = archive.read(info)
    # Office files never need a DOCTYPE; refusing it rules out entity expansion tricks.
    if b"<!DOCTYPE" in xml[:4096].upper() or b"<!ENTITY" in xml.upper():
        raise ValueError("DOCTYPE in XML part")
    return ElementTree.fromstring(xml)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _docx_text(data: bytes) -> str:
    """Paragraphs (w:p) of word/document.xml, their runs' text (w:t), tabs and line breaks."""
    root = _read_xml(data, "word/document.xml")
    specials = {W + "tab": "\t", W + "br": "\n", W + "cr": "\n"}
    return _paragraphs(root, {W + "p"}, {W + "t"}, specials, {})


def _odt_text(data: bytes) -> str:
    """Headings (text:h) and paragraphs (text:p) of content.xml, with spaces, tabs and breaks."""
    root = _read_xml(data, "content.xml")
    specials = {TEXT_NS + "tab": "\t", TEXT_NS + "line-break": "\n"}
    return _paragraphs(root, {TEXT_NS + "p", TEXT_NS + "h"}, None, specials, {TEXT_NS + "s": TEXT_NS + "c"})


def _paragraphs(root, block_tags, text_tags, specials, spaces) -> str:
    """Collect the text of each outermost block element, one block per paragraph.

    text_tags: elements whose own text counts (None: all text inside a block counts);
    specials: elements that stand for a character; spaces: element → attribute with a repeat count."""
    blocks: list[str] = []

    def inline(element, parts):
        if element.tag in specials:
            parts.append(specials[element.tag])
        elif element.tag in spaces:
            count = element.get(spaces[element.tag]) or "1"
            parts.append(" " * min(int(count) if count.isdigit() else 1, 1000))
        elif text_tags is None or element.tag in text_tags:
            parts.append(element.text or "")
        for child in element:
            inline(child, parts)
            if text_tags is None and child.tail:
                parts.append(child.tail)

    def walk(element):
        if element.tag in block_tags:
            parts: list[str] = []
            if text_tags is None and element.text:
                parts.append(element.text)
            for child in element:
                inline(child, parts)
                if text_tags is None and child.tail:
                    parts.append(child.tail)
            blocks.append("".join(parts).strip())
            return
        for child in element:
            walk(child)

    walk(root)
    return "\n\n".join(block for block in blocks if block)


def display_filename(raw: str | None, kind: FileKind) -> str:
    """A safe name for display and download: no path, no control characters, the true extension."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = "document"
    if not name.lower().endswith(kind.extension):
        name += kind.extension
    if len(name) > 200:
        name = name[: 200 - len(kind.extension)] + kind.extension
    return name


def add_document(project: Project, title: str, filename: str | None, data: bytes, description: str = "",
                 uploaded_by=None) -> Document:
    """Check, extract and store an uploaded file as a document of `project`, and index it.

    Raises DocumentError (nothing stored) for an empty, too large or not allowed file."""
    if not data:
        raise DocumentError("empty")
    if len(data) > current_app.config["MAX_DOCUMENT_BYTES"]:
        raise DocumentError("too_large")
    kind = sniff(data)
    if kind is None:
        raise DocumentError("type")
    text_, notice = extract_text(kind, data)
    document = Document(
        project=project,
        title=title.strip(),
        description=(description or "").strip(),
        filename=display_filename(filename, kind),
        media_type=kind.media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        text=text_,
        extract_notice=notice,
        uploaded_by_id=getattr(uploaded_by, "id", None),
    )
    document.file = DocumentFile(data=data)
    db.session.add(document)
    db.session.flush()
    _index_document(document)
    return document


def delete_document(document: Document) -> None:
    search.remove(search.DOCUMENT, document.id)
    db.session.delete(document)
    db.session.flush()


def _index_document(document: Document) -> None:
    body = "\n\n".join(part for part in (document.description, document.text) if part)
    search.index(search.DOCUMENT, document.id, document.project_id, document.title, body)


def document_of(project: Project, document_id: int) -> Document | None:
    """A document only when it belongs to this project (another project's slug gives None)."""
    document = db.session.get(Document, document_id)
    return document if document is not None and document.project_id == project.id else None


def kind_of(document: Document) -> FileKind:
    return KINDS.get(document.media_type, TXT)


def text_blocks(text_: str) -> list[str]:
    """A document's text as paragraphs (split on blank lines), for the reading view."""
    return [block.strip("\n") for block in re.split(r"\n\s*\n", text_ or "") if block.strip()]
