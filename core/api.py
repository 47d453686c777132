"""What every JSON API endpoint shares: its one parser and its error answers.

The API takes JSON only: a form or multipart body is refused with 415 rather than parsed.
A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 and a document nested too deeply for the
parser a 400, both answered in JSON like every other API error (DRF's JSONParser reads the
request stream itself, so Django's own size check never runs, and deep nesting raised
RecursionError: a 500).

Every error is documented (api_errors) and every answer is marked never to be cached
(NeverCacheMixin): the answers carry tickets and the secret ticket link. An /api/ path that
matches no endpoint (a malformed id: /api/agent/tickets/abc/) is a JSON 404 too (api_not_found)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers, status
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


# For APIView subclasses: every answer, errors too, says Cache-Control: no-store (and private).
# A comment, not a docstring: drf-spectacular would take a docstring as every operation's description.
class NeverCacheMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


@csrf_exempt  # it changes nothing; without this a POST got the CSRF failure page, in HTML
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)


class ErrorSerializer(serializers.Serializer):
    """An error: what went wrong, in words."""

    detail = serializers.CharField()


class FieldErrorsSerializer(serializers.Serializer):
    """Bad input: each offending field (or "detail", "non_field_errors") with its messages,
    e.g. {"text": ["This field is required."]} or {"detail": "JSON parse error - ..."}."""


class FieldErrorsSchema(OpenApiSerializerExtension):
    target_class = FieldErrorsSerializer

    def get_name(self, auto_schema, direction) -> str:
        return "FieldErrors"

    def map_serializer(self, auto_schema, direction) -> dict:
        messages = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        return {"type": "object", "additionalProperties": messages}


_ERRORS = {
    400: OpenApiResponse(FieldErrorsSerializer, "The body is no JSON object or a field is invalid."),
    401: OpenApiResponse(ErrorSerializer, "No credentials or a bad token (see WWW-Authenticate)."),
    403: OpenApiResponse(ErrorSerializer, "The account lacks the role, or a session call lacks its CSRF token."),
    404: OpenApiResponse(ErrorSerializer, "No such ticket, or not a ticket id."),
    409: OpenApiResponse(ErrorSerializer, "The ticket's state does not allow this action now."),
    413: OpenApiResponse(ErrorSerializer, "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE."),
    415: OpenApiResponse(ErrorSerializer, "The body is not application/json."),
    429: OpenApiResponse(ErrorSerializer, "Too many submissions from this client: wait Retry-After seconds."),
}
ERROR_HEADERS = [
    OpenApiParameter("WWW-Authenticate", str, OpenApiParameter.HEADER, response=[401],
                     description="The scheme to authenticate with: Token."),
    OpenApiParameter("Retry-After", int, OpenApiParameter.HEADER, response=[429],
                     description="Seconds until the next submission is accepted."),
]


def api_errors(*codes: int, **overrides: OpenApiResponse) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation; `overrides` (e.g. e409=...) replace one."""
    return {code: overrides.get(f"e{code}", _ERRORS[code]) for code in codes}
