"""The comparison map (maps.version_change_map): only the changed zones, each with was → wordt."""
from flask import g

from participatie import maps
from participatie.extensions import db
from participatie.revisions import services


def test_change_map_holds_only_the_changed_zones(app, propose, analyst, layer):
    for key, to in (("A", "uitgesloten"), ("B", "mogelijk")):
        services.decide(propose(key, to, f"reden {key}"), analyst, True)
    version = services.make_next_version(layer, analyst).version
    db.session.commit()
    zones = services.compare_versions(layer, layer.versions[0], version)
    with app.test_request_context("/"):
        g.csp_nonce = "testnonce"
        assert maps.version_change_map([], label="Leeg") is None
        rendered = maps.version_change_map(zones, label="Gewijzigde zones")
    script = str(rendered.script)
    assert '"Zone A"' in script and '"Zone B"' in script
    assert '"Zone C"' not in script and '"Zone D"' not in script
    assert "Was: kansrijk" in script and "Wordt: uitgesloten" in script and "reden A" in script
    assert '"#wijziging-1"' in script
    assert 'aria-label="Gewijzigde zones"' in str(rendered.html)
