from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.serializers import InquiryCreateInputSerializer, InquiryOutputSerializer
from supportdesk.services import inquiry_submit


class InquiryCreateApi(APIView):
    """Public: submit an inquiry; it is classified in the request and answered or escalated."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=InquiryCreateInputSerializer, responses={201: InquiryOutputSerializer})
    def post(self, request):
        serializer = InquiryCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inquiry = inquiry_submit(**serializer.validated_data)
        response = Response(InquiryOutputSerializer(inquiry, context={"request": request}).data,
                            status=status.HTTP_201_CREATED)
        response["X-Model-Version"] = inquiry.model_version or "none"
        return response
