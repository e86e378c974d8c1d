"""The partner API docs come from the package (drf-spectacular-sidecar), never a CDN."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def test_docs_page_references_only_local_assets_and_they_load(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assets = ASSET.findall(page.content.decode())

    assert assets, "the page should load Swagger UI's script and style"
    assert all(not urlsplit(url).netloc and url.startswith("/static/") for url in assets), assets
    for url in assets:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert b"".join(answer.streaming_content if answer.streaming else [answer.content])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_with_no_internet(browser_page, live_server):
    page = browser_page
    outside: list[str] = []

    def local_only(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.goto(f"{live_server.url}/api/v1/docs/")

    page.locator(".swagger-ui .info .title").wait_for(timeout=15_000)
    assert "Connector partner API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 5  # the operations, from /api/v1/schema/
    assert outside == []
