"""What every JSON API endpoint shares: its one parser and its error answers.

The API takes JSON only: a form or multipart body is refused with 415 rather than parsed.
A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 and a document nested too deeply for the
parser a 400, both answered in JSON like every other API error (DRF's JSONParser reads the
request stream itself, so Django's own size check never runs, and deep nesting raised
RecursionError: a 500)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def _body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = _body_limit()
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise PayloadTooLarge(f"the request body is {length} bytes; at most {limit} bytes are accepted")
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply") from exc


def api_exception_handler(exc, context) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(f"the request body is too large; at most {_body_limit()} bytes are accepted")
    return exception_handler(exc, context)
