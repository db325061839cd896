"""The browser fixtures themselves: chromium opens a page served by the app."""


def test_healthz_in_chromium(live_server, page):
    response = page.goto(live_server.url("/healthz"))
    assert response.status == 200
    assert '"status":"ok"' in page.content().replace(" ", "")
