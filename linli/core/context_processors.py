from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from linli.core.access import get_scope


def staff(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    staff = getattr(user, "staff", None) if hasattr(user, "staff") else None
    return {"scope": get_scope(user), "staff_member": staff}
