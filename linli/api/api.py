"""The django-ninja API root; each app's router is mounted here."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Linli API", version="1", urls_namespace="api")
