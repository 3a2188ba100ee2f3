"""Where the current request comes from, for the audit log (set by RequestContextMiddleware)."""

from __future__ import annotations

from contextvars import ContextVar

client_ip: ContextVar[str] = ContextVar("client_ip", default="")
