from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def world(db: Any) -> Any:
    from linli.core.testing import make_world

    return make_world()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any, request: Any) -> None:
    """Argon2 is slow on purpose; tests that check hashing mark themselves `real_hashing`."""
    if "real_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
