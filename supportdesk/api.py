from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import IsAgent
from core.throttling import SubmissionTokenBucketThrottle
from supportdesk.selectors import agent_queue, inquiry_get
from supportdesk.serializers import (
    AgentQueueItemSerializer,
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
    TicketConflict,
    inquiry_submit,
    inquiry_submit_idempotent,
    ticket_category_set,
    ticket_claim,
    ticket_reassign,
    ticket_reply,
    ticket_resolve,
    ticket_unclaim,
)

MAX_IDEMPOTENCY_KEY = 128


class InquiryCreateApi(APIView):
    """Public: submit an inquiry; it is classified in the request and answered or escalated."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SubmissionTokenBucketThrottle]

    @extend_schema(
        request=InquiryCreateInputSerializer,
        responses={201: InquiryOutputSerializer, 200: InquiryOutputSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     description="A replay with the same key returns the same ticket (200).")],
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
                inquiry, created = inquiry_submit_idempotent(key=key, **serializer.validated_data)
            except IdempotencyConflict as exc:
                return Response({"Idempotency-Key": [str(exc)]}, status=status.HTTP_409_CONFLICT)
        else:
            inquiry = inquiry_submit(**serializer.validated_data)
        response = Response(inquiry_output(inquiry, request=request),
                            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        response["X-Model-Version"] = inquiry.model_version or "none"
        return response


class AgentApi(APIView):
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


class AgentQueueApi(AgentApi):
    @extend_schema(responses=AgentQueueItemSerializer(many=True))
    def get(self, request):
        return Response(AgentQueueItemSerializer(agent_queue()[:500], many=True).data)


class AgentTicketApi(AgentApi):
    @extend_schema(responses=AgentTicketSerializer)
    def get(self, request, pk: int):
        inquiry = inquiry_get(pk=pk)
        if inquiry is None:
            raise NotFound("no such ticket")
        return Response(AgentTicketSerializer(inquiry).data)


class AgentClaimApi(AgentApi):
    @extend_schema(request=None, responses={200: AgentTicketSerializer, 409: None})
    def post(self, request, pk: int):
        return self.act(request, pk, lambda: ticket_claim(inquiry_id=pk, agent=request.user))


class AgentUnclaimApi(AgentApi):
    @extend_schema(request=None, responses={200: AgentTicketSerializer, 409: None})
    def post(self, request, pk: int):
        return self.act(request, pk, lambda: ticket_unclaim(inquiry_id=pk, agent=request.user))


class AgentReplyApi(AgentApi):
    @extend_schema(request=ReplyInputSerializer, responses={200: AgentTicketSerializer, 409: None})
    def post(self, request, pk: int):
        s = ReplyInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self.act(request, pk, lambda: ticket_reply(inquiry_id=pk, agent=request.user, **s.validated_data))


class AgentCategoryApi(AgentApi):
    @extend_schema(request=CategoryInputSerializer, responses={200: AgentTicketSerializer, 409: None})
    def post(self, request, pk: int):
        s = CategoryInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self.act(request, pk,
                        lambda: ticket_category_set(inquiry_id=pk, agent=request.user, **s.validated_data))


class AgentResolveApi(AgentApi):
    @extend_schema(request=None, responses={200: AgentTicketSerializer, 409: None})
    def post(self, request, pk: int):
        return self.act(request, pk, lambda: ticket_resolve(inquiry_id=pk, agent=request.user))


class AgentReassignApi(AgentApi):
    @extend_schema(request=ReassignInputSerializer, responses={200: AgentTicketSerializer, 409: None})
    def post(self, request, pk: int):
        s = ReassignInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        to_agent = get_user_model().objects.filter(username=s.validated_data["agent"]).first()
        if to_agent is None:
            raise ValidationError({"agent": ["no such user"]})
        return self.act(request, pk, lambda: ticket_reassign(inquiry_id=pk, actor=request.user, to_agent=to_agent))
