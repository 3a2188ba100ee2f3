"""The OpenAPI schema is served and lists every endpoint; the docs page pulls nothing from a CDN."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client


def test_openapi_json_lists_the_paths(db: Any) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Linli API"
    assert {
        "/api/residents",
        "/api/residents/search",
        "/api/residents/{resident_id}",
        "/api/residents/{resident_id}/reveal",
        "/api/households",
        "/api/households/{household_id}",
    } <= set(schema["paths"])
    assert (
        "BearerAuth" in str(schema["components"]["securitySchemes"])
        or "bearer" in str(schema["components"]["securitySchemes"]).lower()
    )
    search = schema["paths"]["/api/residents/search"]
    assert "post" in search and "get" not in search
    listing = schema["paths"]["/api/residents"]["get"]
    assert "q" not in {p["name"] for p in listing["parameters"]}


def test_docs_page_loads_nothing_from_outside(db: Any) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page should load the bundled Swagger UI"
    assert all(a.startswith("/static/") for a in assets), assets
    assert "cdn." not in html
