"""GDAL's ogrinfo (Debian's gdal-bin, OAPIF driver) reads the open data as any OGC API Features
service: it lists the collections and reads every feature of the demo round, following next links.

Without ogrinfo the test is skipped with a loud reason, except under CI=true, where it fails
(`make gdal` installs gdal-bin; .ci/run calls it)."""
import os
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from browser.conftest import LiveServer
from participatie import demo
from participatie.contributions.models import PUBLISHED, Contribution
from participatie.extensions import db
from participatie.rounds.models import Round

DEMO_COLLECTION = "kansenkaart-zonnevelden-inbreng"


@pytest.fixture
def ogrinfo():
    path = shutil.which("ogrinfo")
    if path is None:
        message = "GDAL TEST SKIPPED: ogrinfo is missing (run `make gdal` to install Debian's gdal-bin)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message.replace("SKIPPED", "CANNOT RUN UNDER CI"))
        pytest.skip(message)
    return path


@pytest.fixture
def demo_server(make_app):
    app = make_app()
    with app.app_context():
        demo.load()
        db.session.commit()
        db.session.remove()
    server = LiveServer(app)
    yield app, server
    server.stop()


def run(ogrinfo, *args) -> str:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
           "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"}
    result = subprocess.run([ogrinfo, "-ro", *args], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_ogrinfo_lists_collections_and_reads_every_feature(ogrinfo, demo_server):
    app, server = demo_server
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.slug == "kansenkaart-zonnevelden"))
        expected = set(db.session.scalars(select(Contribution.id).where(
            Contribution.round_id == round_id, Contribution.status == PUBLISHED)))
        collection_ids = [c["id"] for c in app.test_client().get("/ogc/collections").get_json()["collections"]]
    assert len(expected) > 100 and DEMO_COLLECTION in collection_ids
    source = f"OAPIF:{server.url('/ogc')}"

    summary = run(ogrinfo, "-so", "-al", source)
    layers = re.findall(r"^Layer name: (\S+)", summary, re.MULTILINE)
    assert layers == collection_ids
    block = summary.split(f"Layer name: {DEMO_COLLECTION}")[1].split("Layer name:")[0]
    assert f"Feature Count: {len(expected)}" in block
    assert "theme: String" in block and "support: Integer" in block

    # A small page size makes GDAL follow the next links many times.
    features = run(ogrinfo, "-al", "-oo", "PAGE_SIZE=50", source, DEMO_COLLECTION)
    ids = [int(i) for i in re.findall(r"^  id \(Integer\) = (\d+)$", features, re.MULTILINE)]
    assert len(ids) == len(expected) and set(ids) == expected
    assert features.count("OGRFeature(") == len(expected)
