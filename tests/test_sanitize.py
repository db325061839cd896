"""participatie.sanitize against the sanitiser vectors shipped in bleach's and html5lib's sdists
(tests/data/sanitizer/, see its README) and a few classic attacks of our own."""
import json
import re
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import render_template_string
from markupsafe import Markup

from participatie.sanitize import RICH_TAGS, USER_LINK_REL, clean_html, rich_html, user_text

DATA = Path(__file__).parent / "data" / "sanitizer"


def _bleach_vectors() -> list:
    """Each file: the input, a line `--`, bleach's own expected output (not ours, so unused)."""
    vectors = []
    for path in sorted((DATA / "bleach").glob("*.test"), key=lambda p: int(p.stem)):
        given, _, _expected = path.read_text(encoding="utf-8").partition("\n--\n")
        vectors.append(pytest.param(given, id=f"bleach-{path.name}"))
    return vectors


def _html5lib_json() -> list[dict]:
    return json.loads((DATA / "html5lib" / "test_sanitizer_vectors.json").read_text(encoding="utf-8"))


def _html5lib_vectors() -> list:
    return [pytest.param(vector["input"], id=f"html5lib-{vector['id']}") for vector in _html5lib_json()]


# Classic attacks the shipped vectors do not cover (href/src schemes, event handlers, mXSS, comments).
OWN_VECTORS = [
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="https://example.org/" onmouseover="alert(1)">x</a>',
    '<p onclick="alert(1)">x</p>',
    "<svg onload=alert(1)>",
    '<img src=x onerror="alert(1)">',
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    "<style>body { display: none }</style>tekst",
    "<script>alert(1)</script>tekst",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<a href="http://example.com/"onmouseover="alert(1)">x</a>',
    "Zie https://example.org/plan?a=1&b=2 en www.provincie-utrecht.nl.",
    'http://example.com/"onmouseover="alert(1) en https://example.org/<script>',
]
ALL_VECTORS = [
    *_bleach_vectors(),
    *_html5lib_vectors(),
    *(pytest.param(v, id=f"own-{i}") for i, v in enumerate(OWN_VECTORS)),
]

FORBIDDEN_TAGS = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style)\b", re.IGNORECASE)
RICH_ATTRIBUTES = {"a": {"href", "title", "rel"}}
USER_ATTRIBUTES = {"a": {"href", "rel"}}


class _Parsed(HTMLParser):
    """The elements, attributes and visible text of an HTML fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def tags(self) -> set[str]:
        return {tag for tag, _ in self.elements}

    @property
    def visible(self) -> str:
        return "".join(self.text)


def _scheme(url: str) -> str:
    # Browsers ignore control characters and spaces in a scheme ("java\tscript:").
    return urlsplit(re.sub(r"[\x00-\x20]", "", url)).scheme.lower()


def _assert_safe(html: str, allowed: dict[str, set], schemes: set[str]) -> _Parsed:
    """No dangerous element, no event handler, no script-capable URL; elements and attributes allowed."""
    assert not FORBIDDEN_TAGS.search(html), html
    parsed = _Parsed(html)
    for tag, attrs in parsed.elements:
        assert not any(name.startswith("on") for name in attrs), html
        assert set(attrs) <= allowed.get(tag, set()), html
        for name in ("href", "src"):
            if name in attrs:
                assert _scheme(attrs[name]) not in {"javascript", "vbscript", "data"}, html
                assert _scheme(attrs[name]) in schemes | {""}, html
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html, re.IGNORECASE), html
    return parsed


def _without_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("vector", ALL_VECTORS)
def test_user_text_escapes_every_vector(vector):
    html = str(user_text(vector))
    parsed = _assert_safe(html, USER_ATTRIBUTES, {"http", "https"})
    assert parsed.tags <= {"p", "br", "a"}, html
    # Nothing of the input became markup or got lost: the reader sees exactly what was typed.
    assert _without_space(parsed.visible) == _without_space(vector), html
    for tag, attrs in parsed.elements:
        if tag == "a":
            assert attrs["rel"] == USER_LINK_REL, html
            assert _scheme(attrs["href"]) in {"http", "https"}, html


@pytest.mark.parametrize("vector", ALL_VECTORS)
def test_clean_html_keeps_only_the_allow_list(vector):
    html = clean_html(vector)
    parsed = _assert_safe(html, RICH_ATTRIBUTES, {"http", "https", "mailto"})
    assert parsed.tags <= RICH_TAGS, html
    for tag, attrs in parsed.elements:
        if tag == "a":
            assert attrs.get("rel") == "noopener", html
    assert clean_html(html) == html  # stable when cleaned again (rich_html does on every view)


def _html5lib_cases(kind: str) -> list:
    """html5lib's generated `test_should_allow_<name>_<kind>` vectors, as (name, input)."""
    cases = []
    for vector in _html5lib_json():
        match = re.fullmatch(rf"test_should_allow_(\w+?)_{kind}", vector["id"])
        if match:
            cases.append(pytest.param(match.group(1), vector["input"], id=vector["id"]))
    return cases


@pytest.mark.parametrize("tag, vector", _html5lib_cases("tag"))
def test_clean_html_keeps_or_drops_each_element_html5lib_allows(tag, vector):
    """html5lib allows ~90 elements; we keep only ours, and keep the text of the others."""
    parsed = _Parsed(clean_html(vector))
    assert (tag in parsed.tags) == (tag in RICH_TAGS), (tag, parsed.elements)
    assert "bad" not in parsed.tags
    assert "foo" in parsed.visible and "bar" in parsed.visible


@pytest.mark.parametrize("attribute, vector", _html5lib_cases("attribute"))
def test_clean_html_drops_every_attribute_html5lib_allows_on_p(attribute, vector):
    parsed = _Parsed(clean_html(vector))
    assert parsed.elements == [("p", {})], (attribute, parsed.elements)


def test_the_shipped_vectors_are_all_there():
    assert len(_bleach_vectors()) == 20
    assert len(_html5lib_vectors()) == 402
    assert len(_html5lib_cases("tag")) > 80
    assert (DATA / "bleach" / "LICENSE").exists() and (DATA / "html5lib" / "LICENSE").exists()


def test_clean_html_keeps_the_allowed_markup():
    html = (
        '<h2>Kop</h2><h3>Tussenkop</h3><p><strong>vet</strong> <em>schuin</em><br>'
        '<a href="https://www.provincie-utrecht.nl/" title="Provincie">site</a> '
        '<a href="mailto:info@example.nl">mail</a> <a href="/projecten">intern</a></p>'
        "<ul><li>een</li></ul><ol><li>twee</li></ol><blockquote>citaat</blockquote>"
    )
    assert clean_html(html) == (
        '<h2>Kop</h2><h3>Tussenkop</h3><p><strong>vet</strong> <em>schuin</em><br>'
        '<a href="https://www.provincie-utrecht.nl/" title="Provincie" rel="noopener">site</a> '
        '<a href="mailto:info@example.nl" rel="noopener">mail</a> <a href="/projecten" rel="noopener">intern</a></p>'
        "<ul><li>een</li></ul><ol><li>twee</li></ol><blockquote>citaat</blockquote>"
    )


def test_clean_html_drops_the_rest_but_keeps_its_text():
    html = clean_html(
        '<h1>Titel</h1><div class="x"><span style="color:red">rood</span></div>'
        '<table><tr><td>cel</td></tr></table><img src="https://example.org/a.png" alt="plaatje">'
        '<p id="p1" class="c">alinea</p>'
    )
    parsed = _Parsed(html)
    assert parsed.tags == {"p"} and parsed.elements == [("p", {})]
    for text in ("Titel", "rood", "cel", "alinea"):
        assert text in parsed.visible
    assert "plaatje" not in html


def test_clean_html_drops_script_and_style_with_their_content():
    assert clean_html("<script>alert(1)</script><style>p { color: red }</style><p>tekst</p>") == "<p>tekst</p>"


def test_clean_html_of_nothing():
    assert clean_html(None) == "" and clean_html("") == ""


def test_user_text_paragraphs_line_breaks_and_links():
    html = user_text("Eerste regel\r\ntweede regel\rderde\n\n\nZie https://example.org/plan?a=1&b=2 of www.example.nl")
    assert isinstance(html, Markup)
    assert html == Markup(
        "<p>Eerste regel<br>tweede regel<br>derde</p>"
        '<p>Zie <a href="https://example.org/plan?a=1&amp;b=2" rel="nofollow ugc noopener">'
        "https://example.org/plan?a=1&amp;b=2</a> of "
        '<a href="http://www.example.nl" rel="nofollow ugc noopener">www.example.nl</a></p>'
    )


def test_user_text_links_only_http():
    """Other schemes linkify would recognise stay text, instead of becoming an <a> without href."""
    html = str(user_text("ftp://example.org/bestand en data://example.org/x en javascript:alert(1)"))
    assert "<a" not in html
    assert html == "<p>ftp://example.org/bestand en data://example.org/x en javascript:alert(1)</p>"


def test_user_text_shows_markup_as_typed():
    assert user_text('<b>vet</b> & "quote"') == Markup("<p>&lt;b&gt;vet&lt;/b&gt; &amp; \"quote\"</p>")
    assert user_text(None) == Markup("") and user_text("   ") == Markup("")


@pytest.fixture
def frequent_thread_switches():
    """Let threads switch very often, so that shared parser state shows up as wrong output."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_user_text_is_safe_across_threads(frequent_thread_switches):
    """A bleach Linker keeps parser state; each thread must get its own results, never another's."""
    texts = [f"Bericht {n}: zie https://example.org/{n} en <b>{n}</b> " + "woord " * 40 for n in range(40)]
    expected = {text: str(user_text(text)) for text in texts}
    failures = []

    def work(offset):
        for round_ in range(25):
            text = texts[(offset + round_) % len(texts)]
            try:
                result = str(user_text(text))
            except Exception as error:  # a broken parser state raises too; report it, not hide it
                result = repr(error)
            if result != expected[text]:
                failures.append((text[:20], result[:80]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]


def test_template_filters(app):
    with app.test_request_context("/"):
        html = render_template_string(
            "{{ text|user_text }}|{{ rich|rich_html }}",
            text="<i>hoi</i> https://example.org",
            rich='<p onclick="x()">ok</p><script>alert(1)</script>',
        )
    assert html == (
        '<p>&lt;i&gt;hoi&lt;/i&gt; <a href="https://example.org" rel="nofollow ugc noopener">'
        'https://example.org</a></p>|<p>ok</p>'
    )
    assert rich_html("<em>x</em>") == Markup("<em>x</em>")
