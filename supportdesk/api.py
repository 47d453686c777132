from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import IsAgent
from core.api import ERROR_HEADERS, FieldErrorsSerializer, NeverCacheMixin, api_errors
from core.ratelimit import client_identity
from core.roles import ADMIN, AGENT, user_has_role
from core.throttling import SubmissionTokenBucketThrottle
from supportdesk.agent_serializers import (
    NoteInputSerializer,
    NoteSerializer,
    SavedReplyInputSerializer,
    SavedReplySerializer,
)
from supportdesk.queue import MAX_CATEGORY, MAX_QUERY, REASONS, VIEWS, QueueParamsError, queue_params_parse
from supportdesk.queue_selectors import agent_queue_counts, agent_queue_page
from supportdesk.selectors import (
    inquiry_get,
    saved_replies_list,
    saved_reply_get,
    ticket_notes_list,
)
from supportdesk.serializers import (
    AgentQueuePageSerializer,
    AgentTicketSerializer,
    CategoryInputSerializer,
    InquiryCreateInputSerializer,
    InquiryOutputSerializer,
    ReassignInputSerializer,
    ReplyInputSerializer,
    inquiry_output,
)
from supportdesk.services import (
    IdempotencyConflict,
    NoteConflict,
    TicketConflict,
    inquiry_submit,
    inquiry_submit_idempotent,
    saved_reply_create,
    saved_reply_delete,
    saved_reply_update,
    ticket_category_set,
    ticket_claim,
    ticket_note_add,
    ticket_reassign,
    ticket_reply,
    ticket_resolve,
    ticket_unclaim,
)

MAX_IDEMPOTENCY_KEY = 128


class InquiryCreateApi(NeverCacheMixin, APIView):
    """Public: submit an inquiry; it is classified in the request and answered or escalated."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SubmissionTokenBucketThrottle]

    @extend_schema(
        request=InquiryCreateInputSerializer,
        responses={201: InquiryOutputSerializer, 200: InquiryOutputSerializer,
                   **api_errors(400, 409, 413, 415, 429, e409=OpenApiResponse(
                       FieldErrorsSerializer, "The Idempotency-Key was used with another body."))},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     description="A replay with the same key returns the same ticket (200)."),
                    *ERROR_HEADERS],
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise ValidationError({"Idempotency-Key": [f"at most {MAX_IDEMPOTENCY_KEY} characters"]})
        serializer = InquiryCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = True
        if key:
            try:
                inquiry, created = inquiry_submit_idempotent(key=key, client=client_identity(request),
                                                             **serializer.validated_data)
            except IdempotencyConflict as exc:
                conflict = Response({"Idempotency-Key": [str(exc)]}, status=status.HTTP_409_CONFLICT)
                if retry_after := getattr(exc, "retry_after", None):  # the first request is still running
                    conflict["Retry-After"] = str(retry_after)
                return conflict
        else:
            inquiry = inquiry_submit(**serializer.validated_data)
        response = Response(inquiry_output(inquiry, request=request),
                            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        response["X-Model-Version"] = inquiry.model_version or "none"
        return response


_READ_ERRORS = api_errors(401, 403, 404)
_ACTION_ERRORS = api_errors(401, 403, 404, 409)
_INPUT_ERRORS = api_errors(400, 401, 403, 404, 409, 413, 415)


class AgentApi(NeverCacheMixin, APIView):
    """For agents, by token (Authorization: Token <key>) or by session with its CSRF token."""

    permission_classes = [IsAgent]

    def act(self, request, pk: int, action):
        try:
            action()
        except TicketConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from exc
        return Response(AgentTicketSerializer(inquiry_get(pk=pk)).data)


_QUEUE_PARAMETERS = [
    OpenApiParameter("view", str, enum=list(VIEWS), default="open",
                     description="mine, unassigned, open (escalated or assigned), waiting (on the customer: the "
                                 "last message is an agent's) or resolved."),
    OpenApiParameter("category", str, description=f"Only this category (the agent's if set, else the model's); "
                                                  f"at most {MAX_CATEGORY} characters."),
    OpenApiParameter("reason", str, enum=list(REASONS), description="Only tickets escalated for this reason."),
    OpenApiParameter("q", str, description=f"Search the text, messages, name, email and ticket number (#123 or "
                                           f"123); at most {MAX_QUERY} characters."),
    OpenApiParameter("cursor", str, description="The next_cursor of the previous page (same view and filters)."),
]


class AgentQueueApi(AgentApi):
    """A page (50 tickets) of a queue view, SLA breaches first, then most upset, then oldest, with every
    view's count. The same parameters as the console (/agent/?view=...)."""

    @extend_schema(responses={200: AgentQueuePageSerializer, **api_errors(400, 401, 403)},
                   parameters=[*_QUEUE_PARAMETERS, *ERROR_HEADERS])
    def get(self, request):
        try:
            params = queue_params_parse(data=request.query_params)
        except QueueParamsError as exc:
            raise ValidationError({exc.field: [exc.message]}) from exc
        page = agent_queue_page(params=params, agent=request.user)
        counts = agent_queue_counts(params=params, agent=request.user)
        return Response(AgentQueuePageSerializer(
            {"items": page.items, "next_cursor": page.next_cursor, "counts": counts}, context={"now": page.now}).data)


class AgentTicketApi(AgentApi):
    """One ticket with its messages and the customer's earlier tickets."""

    @extend_schema(responses={200: AgentTicketSerializer, **_READ_ERRORS}, parameters=ERROR_HEADERS)
    def get(self, request, pk: int):
        inquiry = inquiry_get(pk=pk)
        if inquiry is None:
            raise NotFound("no such ticket")
        return Response(AgentTicketSerializer(inquiry).data)


class AgentClaimApi(AgentApi):
    """Take the ticket: it is assigned to you."""

    @extend_schema(request=None, responses={200: AgentTicketSerializer, **_ACTION_ERRORS}, parameters=ERROR_HEADERS)
    def post(self, request, pk: int):
        return self.act(request, pk, lambda: ticket_claim(inquiry_id=pk, agent=request.user))


class AgentUnclaimApi(AgentApi):
    """Give your ticket back to the queue."""

    @extend_schema(request=None, responses={200: AgentTicketSerializer, **_ACTION_ERRORS}, parameters=ERROR_HEADERS)
    def post(self, request, pk: int):
        return self.act(request, pk, lambda: ticket_unclaim(inquiry_id=pk, agent=request.user))


class AgentReplyApi(AgentApi):
    """Reply to the customer."""

    @extend_schema(request=ReplyInputSerializer, responses={200: AgentTicketSerializer, **_INPUT_ERRORS},
                   parameters=ERROR_HEADERS)
    def post(self, request, pk: int):
        s = ReplyInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self.act(request, pk, lambda: ticket_reply(inquiry_id=pk, agent=request.user, **s.validated_data))


class AgentCategoryApi(AgentApi):
    """Confirm or correct the ticket's category (a training label)."""

    @extend_schema(request=CategoryInputSerializer, responses={200: AgentTicketSerializer, **_INPUT_ERRORS},
                   parameters=ERROR_HEADERS)
    def post(self, request, pk: int):
        s = CategoryInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self.act(request, pk,
                        lambda: ticket_category_set(inquiry_id=pk, agent=request.user, **s.validated_data))


class AgentResolveApi(AgentApi):
    """Close the ticket as resolved (after a reply to the customer)."""

    @extend_schema(request=None, responses={200: AgentTicketSerializer, **_ACTION_ERRORS}, parameters=ERROR_HEADERS)
    def post(self, request, pk: int):
        return self.act(request, pk, lambda: ticket_resolve(inquiry_id=pk, agent=request.user))


class AgentReassignApi(AgentApi):
    """Hand the ticket to another agent."""

    @extend_schema(request=ReassignInputSerializer, responses={200: AgentTicketSerializer, **_INPUT_ERRORS},
                   parameters=ERROR_HEADERS)
    def post(self, request, pk: int):
        s = ReassignInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        to_agent = get_user_model().objects.filter(username=s.validated_data["agent"]).first()
        if to_agent is None:
            raise ValidationError({"agent": ["no such user"]})
        return self.act(request, pk, lambda: ticket_reassign(inquiry_id=pk, actor=request.user, to_agent=to_agent))


# Internal notes and saved replies (issue #14).

class AgentNotesApi(AgentApi):
    """A ticket's internal notes: only staff ever see them (never mailed, never on the customer's page)."""

    @extend_schema(responses={200: NoteSerializer(many=True), **_READ_ERRORS}, parameters=ERROR_HEADERS)
    def get(self, request, pk: int):
        if inquiry_get(pk=pk) is None:
            raise NotFound("no such ticket")
        return Response(NoteSerializer(ticket_notes_list(inquiry_id=pk), many=True).data)

    @extend_schema(request=NoteInputSerializer, responses={201: NoteSerializer, **_INPUT_ERRORS},
                   parameters=ERROR_HEADERS, description="Any agent, on an open or a resolved ticket. It is not a "
                   "reply: no first response, no mail, no status change.")
    def post(self, request, pk: int):
        s = NoteInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        if inquiry_get(pk=pk) is None:
            raise NotFound("no such ticket")
        try:
            note = ticket_note_add(inquiry_id=pk, agent=request.user, **s.validated_data)
        except NoteConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise ValidationError({"body": exc.messages}) from exc
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class IsAgentOrAdmin(IsAgent):
    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, AGENT) or user_has_role(request.user, ADMIN)


_SAVED_404 = OpenApiResponse(api_errors(404)[404].response, "No such saved reply, or not an id.")
_SAVED_INPUT_ERRORS = api_errors(400, 401, 403, 413, 415)


def _saved_reply_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class SavedRepliesApi(AgentApi):
    """The team's saved replies (shared by every agent), for inserting into a reply and editing."""

    permission_classes = [IsAgentOrAdmin]

    @extend_schema(responses={200: SavedReplySerializer(many=True), **api_errors(401, 403)},
                   parameters=ERROR_HEADERS)
    def get(self, request):
        return Response(SavedReplySerializer(saved_replies_list(), many=True).data)

    @extend_schema(request=SavedReplyInputSerializer, responses={201: SavedReplySerializer, **_SAVED_INPUT_ERRORS},
                   parameters=ERROR_HEADERS)
    def post(self, request):
        s = SavedReplyInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            reply = saved_reply_create(user=request.user, **s.validated_data)
        except DjangoValidationError as exc:
            raise _saved_reply_errors(exc) from exc
        return Response(SavedReplySerializer(reply).data, status=status.HTTP_201_CREATED)


class SavedReplyApi(AgentApi):
    """One saved reply: read, replace (title and body) or delete it."""

    permission_classes = [IsAgentOrAdmin]

    @extend_schema(responses={200: SavedReplySerializer, **api_errors(401, 403, 404, e404=_SAVED_404)},
                   parameters=ERROR_HEADERS)
    def get(self, request, pk: int):
        reply = saved_reply_get(pk=pk)
        if reply is None:
            raise NotFound("no such saved reply")
        return Response(SavedReplySerializer(reply).data)

    @extend_schema(request=SavedReplyInputSerializer,
                   responses={200: SavedReplySerializer, **api_errors(400, 401, 403, 404, 413, 415, e404=_SAVED_404)},
                   parameters=ERROR_HEADERS)
    def put(self, request, pk: int):
        s = SavedReplyInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            reply = saved_reply_update(user=request.user, saved_reply_id=pk, **s.validated_data)
        except DjangoValidationError as exc:
            raise _saved_reply_errors(exc) from exc
        except ObjectDoesNotExist as exc:
            raise NotFound("no such saved reply") from exc
        return Response(SavedReplySerializer(reply).data)

    @extend_schema(responses={204: None, **api_errors(401, 403, 404, e404=_SAVED_404)}, parameters=ERROR_HEADERS)
    def delete(self, request, pk: int):
        if not saved_reply_delete(user=request.user, saved_reply_id=pk):
            raise NotFound("no such saved reply")
        return Response(status=status.HTTP_204_NO_CONTENT)
