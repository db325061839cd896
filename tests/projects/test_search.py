"""Search in Dutch on SQLite (FTS5 with Snowball stems) and PostgreSQL ('dutch' configuration):
the same results, ranking, highlighting and escaping on both."""
import pytest
from sqlalchemy import text

from participatie.extensions import db
from participatie.projects import search, services
from participatie.projects.models import DRAFT, PUBLISHED, SearchEntry


def test_dutch_stems_match_postgres_dutch():
    # "dutch_porter" is the Snowball algorithm that PostgreSQL's 'dutch' configuration uses.
    assert search.stem("zonnevelden") == search.stem("zonneveld") == "zonneveld"
    assert search.stems("De zonnevelden en het landschap") == ["zonneveld", "landschap"]


def test_match_query_quotes_every_stemmed_word():
    assert search.fts_match_query("Zonnevelden bij Utrecht") == '"zonneveld" "utrecht"'
    assert search.fts_match_query("' OR 1=1 --") == '"or" "1"'
    assert search.fts_match_query('zon* NEAR("a" b) AND NOT c:') == '"zon" "near" "a" "b" "and" "not" "c"'
    assert search.fts_match_query("de het een ?!") is None


def test_zonneveld_finds_a_document_that_says_zonnevelden(app, make_project, make_document):
    project = make_project(title="Energie")
    document = make_document(project, title="Notitie", text="Hier komen misschien nieuwe zonnevelden.")
    page = search.search("zonneveld")
    assert page.total == 1
    [result] = page.results
    assert result.kind == search.DOCUMENT
    assert result.entry.object_id == document.id
    assert result.project.id == project.id
    assert "<mark>zonnevelden</mark>" in result.snippet


def test_projects_are_found_by_title_summary_description_and_themes(app, make_project):
    project = make_project(title="Groene fietsroutes", summary="Fietsen door Zeist",
                           description="<p>Brede <strong>fietspaden</strong></p>", themes="mobiliteit")
    for query in ("fietsroutes", "Zeist", "fietspad", "mobiliteit"):
        page = search.search(query)
        assert [(r.kind, r.entry.object_id) for r in page.results] == [(search.PROJECT, project.id)], query


def test_drafts_are_never_found(app, make_project, make_document):
    project = make_project(title="Geheim plan zonnevelden", status=DRAFT)
    make_document(project, text="Concept over zonnevelden")
    assert search.search("zonneveld").total == 0
    services.set_status(project, PUBLISHED)
    db.session.commit()
    assert search.search("zonneveld").total == 2
    services.update_project(project, title=project.title, slug=project.slug, status=DRAFT)
    db.session.commit()
    assert search.search("zonneveld").total == 0


def test_title_matches_rank_above_a_passing_mention(app, make_project, make_document):
    project = make_project(title="Algemeen")
    filler = " ".join(["De provincie werkt aan veel plannen voor wegen en water."] * 20)
    passing = make_document(project, title="Jaarverslag", text=filler + " Ook zonnevelden. " + filler)
    central = make_document(project, title="Zonnevelden in Utrecht",
                            text="Over zonnevelden: waar een zonneveld past en waar niet.")
    ids = [r.entry.object_id for r in search.search("zonneveld").results]
    assert ids == [central.id, passing.id]


def test_snippet_is_a_window_around_the_matches(app, make_project, make_document):
    project = make_project()
    words = [f"woord{i}" for i in range(200)]
    words[120] = "zonnevelden"
    make_document(project, title="Lang", text=" ".join(words))
    [result] = search.search("zonneveld").results
    snippet = str(result.snippet)
    assert snippet.startswith("… woord115 ") and snippet.endswith(" …")
    assert "<mark>zonnevelden</mark>" in snippet
    assert len(snippet.split()) <= search.SNIPPET_WORDS + 2
    assert "woord10 " not in snippet


def test_snippet_and_title_are_escaped(app, make_project, make_document):
    project = make_project(title="<b>Project</b>")
    make_document(project, title="<script>alert(1)</script> zonnevelden",
                  text='Tekst <img src=x onerror="alert(1)"> & zonnevelden "quote"')
    [result] = search.search("zonneveld").results
    assert "<script>" not in result.title and "&lt;script&gt;" in result.title
    assert "<mark>zonnevelden</mark>" in result.title
    assert "<img" not in result.snippet
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; <mark>zonnevelden</mark>" in result.snippet


def test_highlight_marks_every_form_of_the_word():
    marked = search.highlight("Zonneveld, zonnevelden; zon.", {"zonneveld"})
    assert str(marked) == "<mark>Zonneveld</mark>, <mark>zonnevelden</mark>; zon."


@pytest.mark.parametrize(
    "query",
    ["' OR 1=1 --", "<script>alert(1)</script>", '"', "NEAR(", "*", "zon*", "AND OR NOT", "a:b",
     "'; DROP TABLE search_entry; --", "\\", "%", "日本語", "x" * 200],
)
def test_hostile_queries_never_fail(app, make_project, make_document, query):
    make_document(make_project(), text="Gewone tekst over zonnevelden")
    page = search.search(query)
    assert page.total == 0 and page.results == []
    assert search.search("zonneveld").total == 1  # and nothing was harmed


def test_pages_of_twenty(app, make_project, make_document):
    project = make_project(title="Verzameling")
    for n in range(25):
        make_document(project, title=f"Document {n}", text="Over het zonneveld")
    first, second = search.search("zonneveld", 1), search.search("zonneveld", 2)
    assert (first.total, first.pages, len(first.results)) == (25, 2, 20)
    assert (second.has_prev, second.has_next, len(second.results)) == (True, False, 5)
    assert not {r.entry.id for r in first.results} & {r.entry.id for r in second.results}


def test_changing_a_project_updates_the_index(app, make_project):
    project = make_project(title="Oude naam")
    services.update_project(project, title="Nieuwe titel over kastelen", slug=project.slug, status=PUBLISHED)
    db.session.commit()
    assert search.search("kasteel").total == 1
    assert search.search("oude naam").total == 0


def test_deleting_a_project_removes_all_its_entries(app, make_project, make_document):
    project = make_project(title="Zonnevelden")
    make_document(project, text="zonnevelden")
    services.delete_project(project)
    db.session.commit()
    assert search.search("zonneveld").total == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(SearchEntry)) == 0
    if not search.is_postgres():
        assert db.session.execute(text("SELECT count(*) FROM search_fts")).scalar_one() == 0


def test_sqlite_index_holds_stemmed_text(app, make_project):
    if search.is_postgres():
        pytest.skip("the stemmed copy exists only on SQLite")
    project = make_project(title="Zonnevelden", summary="De landschappen")
    entry = db.session.scalar(db.select(SearchEntry).filter_by(kind="project", object_id=project.id))
    row = db.session.execute(text("SELECT title, body FROM search_fts WHERE rowid = :id"), {"id": entry.id}).one()
    assert row.title == "zonneveld"
    assert "landschapp" in row.body and "de" not in row.body.split()


def test_postgres_query_uses_the_indexed_expression(app, make_project):
    if not search.is_postgres():
        pytest.skip("PostgreSQL only")
    make_project(title="Zonnevelden")
    indexdef = db.session.execute(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_entry_fts'")
    ).scalar_one()
    assert "to_tsvector('dutch'::regconfig" in indexdef
    assert search.search("zonneveld").total == 1


def test_nul_bytes_and_huge_page_numbers_are_harmless(app, make_project, make_document):
    make_document(make_project(), text="Over zonnevelden")
    assert search.search("zonne\x00velden").total == 0
    assert search.search("zonnevelden\x00").total == 1
    assert search.search("zonneveld", page=10**30).results == []


def test_accented_words_are_highlighted():
    wanted = set(search.stems("ideeën"))
    assert str(search.highlight("Twee ideeën en een idee", wanted)) == "Twee <mark>ideeën</mark> en een idee"


def test_snippet_of_a_match_deep_in_a_long_text_shows_the_start(app, make_project, make_document):
    project = make_project()
    text_ = "Begin van het stuk. " + "vulling " * (search.SNIPPET_SCAN_CHARS // 8) + "zonnevelden"
    make_document(project, title="Lang stuk", text=text_)
    [result] = search.search("zonneveld").results
    assert str(result.snippet).startswith("Begin van het stuk.")
