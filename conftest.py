from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def world(db: Any) -> Any:
    from linli.core.testing import make_world

    return make_world()
