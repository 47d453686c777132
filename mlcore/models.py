from django.conf import settings
from django.db import models
from django.db.models import Q


class TrainingExample(models.Model):
    """A labeled text the model may learn from. Sources differ in trust and weight."""

    class Source(models.TextChoices):
        STARTER = "starter", "Starter set"
        IMPORT = "import", "Imported"
        AGENT = "agent", "Agent-confirmed"
        GOLD = "gold", "Gold (reviewed)"

    text = models.TextField()
    category = models.CharField(max_length=64, blank=True, db_index=True)
    sentiment = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, db_index=True)
    weight = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "text", "category"], name="trainingexample_unique_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.category or self.sentiment}: {self.text[:60]}"


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"
        REJECTED = "rejected", "Rejected"

    version = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    artifact_prefix = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    labels = models.JSONField(default=list)
    thresholds = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    snapshot_id = models.CharField(max_length=64, db_index=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"), name="modelversion_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.status})"


class Rollout(models.Model):
    """A candidate tried on live traffic before (or instead of) a plain promotion (SPEC §6.5).

    Shadow: the candidate scores every inquiry beside the active version, only logged. Canary: it
    answers a stable fraction of inquiries, raised stage by stage and halted on worse metrics."""

    class Mode(models.TextChoices):
        SHADOW = "shadow", "Shadow"
        CANARY = "canary", "Canary"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        HALTED = "halted", "Halted"
        COMPLETED = "completed", "Completed"

    candidate = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="rollouts")
    baseline = models.ForeignKey(ModelVersion, null=True, on_delete=models.SET_NULL, related_name="+")
    mode = models.CharField(max_length=8, choices=Mode.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING, db_index=True)
    fraction = models.FloatField(default=0.0)
    stage_started_at = models.DateTimeField()
    reason = models.TextField(blank=True)
    history = models.JSONField(default=list, blank=True)  # one entry per decision
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="running"), name="rollout_one_running"),
        ]

    def __str__(self) -> str:
        return f"{self.mode} {self.candidate.version} at {self.fraction:.0%} ({self.status})"


class ShadowPrediction(models.Model):
    """What a shadow candidate would have answered for one inquiry; never shown to anyone."""

    inquiry = models.ForeignKey("supportdesk.Inquiry", on_delete=models.CASCADE, related_name="shadow_predictions")
    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="predictions")
    model_version = models.CharField(max_length=32)
    category = models.CharField(max_length=64)
    confidence = models.FloatField()
    escalated = models.BooleanField()
    agrees = models.BooleanField()  # same category as the answer given
    latency_ms = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.model_version} on #{self.inquiry_id}: {self.category}"
