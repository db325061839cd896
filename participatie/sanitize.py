"""The one place that turns text into HTML.

Residents' text is escaped, its URLs become links with rel="nofollow ugc noopener" (bleach.linkify),
and staff-written rich text is cleaned with a small allow-list. bleach's maintainers ended the project
in June 2026, so every result takes a last pass through nh3 (Ammonia), which is maintained.
"""
import re
import threading
from urllib.parse import urlsplit

import bleach
import nh3
from markupsafe import Markup, escape

RICH_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "blockquote"}
RICH_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
USER_LINK_REL = "nofollow ugc noopener"

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LINE_BREAK = re.compile(r"\r\n?")
# Dropped with their content: otherwise their text (code, CSS) would show up on the page.
_CONTENT_TAGS = {"script", "style"}
_NH3_RICH_ATTRIBUTES = {tag: set(attrs) for tag, attrs in RICH_ATTRIBUTES.items()}


def _set_user_rel(attrs, new=False):
    """linkify callback: only http(s) links, each with our rel; anything else stays plain text."""
    href = attrs.get((None, "href"), "")
    if urlsplit(href).scheme.lower() not in {"http", "https"}:
        return None
    attrs[(None, "rel")] = USER_LINK_REL
    return attrs


# A bleach Linker keeps parser state while it works, so it must not be shared between threads.
_local = threading.local()


def _linker() -> bleach.Linker:
    if not hasattr(_local, "linker"):
        _local.linker = bleach.Linker(callbacks=[_set_user_rel], skip_tags={"pre", "code"}, parse_email=False)
    return _local.linker


def user_text(text: str | None) -> Markup:
    """Render a resident's plain text: escaped, paragraphs and line breaks kept, URLs as safe links."""
    if not text:
        return Markup("")
    paragraphs = [part.strip("\n") for part in _PARAGRAPH_BREAK.split(_LINE_BREAK.sub("\n", text))]
    html = "".join(
        "<p>" + str(escape(part)).replace("\n", "<br>") + "</p>" for part in paragraphs if part.strip()
    )
    linked = _linker().linkify(html)
    return Markup(
        nh3.clean(
            linked,
            tags={"p", "br", "a"},
            attributes={"a": {"href"}},
            url_schemes={"http", "https"},
            link_rel=USER_LINK_REL,
        )
    )


def clean_html(html: str | None) -> str:
    """Clean staff-written rich text down to the small allow-list; returns a plain str to store."""
    if not html:
        return ""
    # bleach's strip=True keeps the text inside <script> and <style>; nh3 drops those whole first.
    html = nh3.clean(
        html, tags=RICH_TAGS, clean_content_tags=_CONTENT_TAGS, attributes=_NH3_RICH_ATTRIBUTES,
        url_schemes=URL_SCHEMES, link_rel=None,
    )
    cleaned = bleach.clean(
        html, tags=RICH_TAGS, attributes=RICH_ATTRIBUTES, protocols=URL_SCHEMES, strip=True,
        strip_comments=True,
    )
    return nh3.clean(
        cleaned,
        tags=RICH_TAGS,
        attributes=_NH3_RICH_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
    )


def rich_html(html: str | None) -> Markup:
    """Mark staff rich text as safe for templates, cleaning it again on the way out."""
    return Markup(clean_html(html))


def init_app(app):
    app.add_template_filter(user_text, "user_text")
    app.add_template_filter(rich_html, "rich_html")
