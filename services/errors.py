"""Errors that reach a client: a machine-readable code, English for logs and API
users, Chinese for the customer.  Services raise :class:`ServiceError`; the HTTP layer
(api/errors.py) turns it into ``{"error": {"code", "message", "message_zh"}}`` with
the status given here.  No stack trace ever leaves the process."""
from __future__ import annotations


class ServiceError(Exception):
    status_code: int = 400

    def __init__(self, code: str, message: str, message_zh: str, status_code: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_zh = message_zh
        if status_code is not None:
            self.status_code = status_code

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "message_zh": self.message_zh}}


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Invalid(ServiceError):
    status_code = 422
