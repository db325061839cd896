"""No e-mail address of any test user (nor a participant's account name) in any export or API
answer — except the admin's contact export, which exists for exactly that and shows the scan works."""
import io
import zipfile

from pypdf import PdfReader
from sqlalchemy import select

from participatie.accounts.models import User
from participatie.extensions import db
from participatie.permissions import Role

FORMATS = ["csv", "geojson", "xlsx", "layers", "report_html", "report_pdf"]


def readable(body: bytes, mimetype: str) -> str:
    """Every text inside a response: zipped parts (XLSX, ZIP) unpacked, PDF text extracted."""
    if mimetype in ("application/zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        archive = zipfile.ZipFile(io.BytesIO(body))
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    if mimetype == "application/pdf":
        pages = PdfReader(io.BytesIO(body)).pages
        return body.decode("latin-1") + "\n".join(p.extract_text() for p in pages)
    return body.decode("utf-8", "replace")


def ogc_urls(client) -> list[str]:
    urls = ["/ogc", "/ogc?f=html", "/ogc/conformance", "/ogc/collections", "/ogc/collections?f=html", "/openapi.json"]
    for collection in client.get("/ogc/collections").get_json()["collections"]:
        base = f"/ogc/collections/{collection['id']}"
        urls += [base, f"{base}?f=html", f"{base}/items?limit=10000", f"{base}/items?f=html&limit=10000"]
        for feature in client.get(f"{base}/items?limit=10000").get_json()["features"]:
            urls += [f"{base}/items/{feature['id']}", f"{base}/items/{feature['id']}?f=html"]
    return urls


def test_no_email_address_or_account_name_anywhere(client, dataset, login_as):
    analyst = login_as(Role.ADMIN)
    answers = {}
    for slug in (dataset.round.slug, dataset.other_round.slug):
        for fmt in FORMATS:
            for include_all in ("", "y"):
                response = client.post(f"/beheer/export/{slug}", data={"format": fmt, "include_all": include_all})
                assert response.status_code == 200, (slug, fmt)
                answers[f"export {slug} {fmt} {include_all}"] = readable(response.get_data(), response.mimetype)
        for suffix in ("open-data.csv", "open-data.geojson"):
            response = client.get(f"/rondes/{slug}/{suffix}")
            answers[suffix] = readable(response.get_data(), response.mimetype)
    answers["audit csv"] = client.get("/beheer/audit/export.csv").get_data(as_text=True)
    for url in ogc_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        answers[url] = response.get_data(as_text=True)
    assert len(answers) > 40

    emails = list(db.session.scalars(select(User.email)))
    assert len(emails) >= 5
    names = [u.display_name for u in dataset.users.values()]
    for where, text in answers.items():
        lowered = text.lower()
        for email in emails:
            assert email.lower() not in lowered, f"{email} in {where}"
        for name in names:
            # HTML pages name the logged-in admin in the menu; participants are never named.
            assert name not in text, f"{name} in {where}"
    assert analyst.email not in "".join(answers.values())

    # The contact export is the one place with addresses: the scan would have found them.
    contacts = client.post("/beheer/contactexport", data={
        "round_id": dataset.round.id, "purpose": "Uitnodiging voor de terugkoppelavond.", "confirm": "y"})
    assert "anna.export@example.org" in contacts.get_data(as_text=True)
