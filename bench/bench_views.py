"""Bench-only views (mounted by bench/urls.py when SUPPORTLOOP_BENCH_ROUTES=1): nothing is stored."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mlcore.runtime import BundleError
from mlcore.serving import ModelUnavailable, predictor_active


def bench_hello(request: HttpRequest) -> HttpResponse:
    """The floor: a plain Django view through the full middleware stack."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def bench_classify(request: HttpRequest) -> HttpResponse:
    """Only the model call of the inquiry path: POST {"text": ...} -> category, confidence, version."""
    try:
        text = json.loads(request.body)["text"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": 'expected a JSON object {"text": "..."}'}, status=400)
    if not isinstance(text, str) or not text.strip():
        return JsonResponse({"text": "must be a non-empty string"}, status=400)
    try:
        prediction = predictor_active().predict(text)
    except (ModelUnavailable, BundleError) as exc:
        return JsonResponse({"error": f"no model can answer: {exc}"}, status=503)
    return JsonResponse({"category": prediction.category, "confidence": prediction.confidence,
                         "model_version": prediction.model_version})
