"""A model field whose value is stored encrypted (AES-GCM) and read back in plain text."""

from __future__ import annotations

from typing import Any

from django.db import models

from linli.core import keys


class EncryptedCharField(models.TextField):  # type: ignore[type-arg]
    """Encrypted at rest. It cannot be searched: store a blind index beside it for lookups."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return keys.encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return keys.decrypt(value)
