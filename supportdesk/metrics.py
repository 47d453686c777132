from prometheus_client import Counter, Histogram

INFERENCE_SECONDS = Histogram(
    "supportloop_inference_seconds", "Model call latency", ["model_version"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
)
INQUIRIES = Counter("supportloop_inquiries_total", "Inquiries by outcome", ["outcome"])
ESCALATIONS = Counter("supportloop_escalations_total", "Escalations by reason", ["reason"])
SHADOW_PREDICTIONS = Counter("supportloop_shadow_predictions_total", "Shadow candidate answers (logged only)",
                             ["model_version", "agrees"])
