"""Salesforce's error envelopes and the JSON responses that carry them.

Each API family answers failures in its own shape, and clients depend on the shape:

* REST and Bulk 2.0: a JSON array ``[{"message", "errorCode", "fields"?}]`` (simple_salesforce
  reads ``[0]["errorCode"]`` to decide whether to log in again);
* OAuth: ``{"error", "error_description"}``;
* Bulk 1.0: ``{"exceptionCode", "exceptionMessage"}``;
* SOAP login: an XML fault (see :mod:`pipelines.sandbox.oauth`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

JSON_TYPE = "application/json;charset=UTF-8"

# The messages real orgs send for the errors every client meets.
SESSION_INVALID = "Session expired or invalid"
NOT_FOUND_MESSAGE = "The requested resource does not exist"
LIMIT_EXCEEDED_MESSAGE = "TotalRequests Limit exceeded."


class ApiError(Exception):
    """A REST failure: HTTP status, Salesforce ``errorCode``, message and the fields involved.

    >>> raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    """

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        fields: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields) if fields is not None else None
        self.headers = dict(headers or {})

    def body(self) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return [entry]

    def response(self) -> Response:
        return json_response(self.body(), self.status, self.headers)


class OAuthError(Exception):
    """A failure of the OAuth endpoints: ``{"error", "error_description"}``, usually HTTP 400."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> Response:
        return json_response(
            {"error": self.error, "error_description": self.description}, self.status
        )


def not_found(message: str = NOT_FOUND_MESSAGE) -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def session_invalid() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", SESSION_INVALID)


def bad_request(error_code: str, message: str, fields: Sequence[str] | None = None) -> ApiError:
    return ApiError(400, error_code, message, fields)


def json_parser_error(detail: str) -> ApiError:
    return ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {detail}")


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response with Salesforce's content type, serialized by orjson."""
    return Response(
        content=orjson.dumps(data),
        status_code=status,
        headers=dict(headers or {}),
        media_type=JSON_TYPE,
    )


def unknown_exception_body() -> list[dict[str, str]]:
    return [
        {
            "errorCode": "UNKNOWN_EXCEPTION",
            "message": "An unexpected error occurred. Please include this ErrorId if you contact "
            "support: sandbox (see the sandbox server log)",
        }
    ]
