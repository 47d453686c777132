from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
    upset = models.BooleanField(null=True, blank=True)  # an upset (True) or calm (False) customer; None: unknown
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


class TrainingRun(models.Model):
    """One pass of the training pipeline, from snapshot to candidate; shown live on the model page."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        REJECTED = "rejected", "Rejected"
        SKIPPED = "skipped", "Skipped (snapshot already trained)"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Admin button"
        GOLD_LABELS = "gold_labels", "New gold labels"
        DRIFT = "drift", "Critical drift"
        ACCURACY = "accuracy", "Falling accuracy (agent corrections or the audit)"
        SCHEDULE = "schedule", "Schedule"
        BOOTSTRAP = "bootstrap", "First run (bootstrap)"
        COMMAND = "command", "Command line"

    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    reason = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=16, blank=True)
    epoch = models.PositiveIntegerField(default=0)
    epochs = models.PositiveIntegerField(default=0)
    loss = models.FloatField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    snapshot_id = models.CharField(max_length=64, blank=True)
    snapshot_path = models.CharField(max_length=255, blank=True)
    snapshot_stats = models.JSONField(default=dict, blank=True)
    artifact_prefix = models.CharField(max_length=255, blank=True)
    metrics = models.JSONField(default=dict, blank=True)  # candidate and active side by side
    timings = models.JSONField(default=dict, blank=True)  # seconds from the start to each stage
    decision = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    model_version = models.OneToOneField(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="training_run")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One snapshot never yields two versions: a failed run frees its snapshot for a retry.
            models.UniqueConstraint(
                fields=["snapshot_id"], condition=~Q(snapshot_id="") & ~Q(status__in=["failed", "skipped"]),
                name="trainingrun_one_per_snapshot",
            ),
            models.UniqueConstraint(fields=["status"], condition=Q(status="running"), name="trainingrun_one_running"),
        ]

    def __str__(self) -> str:
        return f"run #{self.pk} ({self.status})"


class DriftReport(models.Model):
    """PSI/KS between a model version's training reference and recent traffic (SPEC §6.6)."""

    class Level(models.TextChoices):
        OK = "ok", "OK"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"
        INSUFFICIENT = "insufficient", "Too little traffic"

    model_version = models.ForeignKey(ModelVersion, null=True, on_delete=models.SET_NULL, related_name="drift_reports")
    level = models.CharField(max_length=16, choices=Level.choices, db_index=True)
    psi_class = models.FloatField(null=True, blank=True)
    psi_confidence = models.FloatField(null=True, blank=True)
    ks_statistic = models.FloatField(null=True, blank=True)
    ks_pvalue = models.FloatField(null=True, blank=True)
    n_reference = models.PositiveIntegerField(default=0)
    n_recent = models.PositiveIntegerField(default=0)
    window_hours = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)  # both distributions, for the charts
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"drift {self.level} at {self.created_at:%Y-%m-%d %H:%M}"


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


class Prediction(models.Model):
    """The ML core's own log of traffic: which version predicted what for one request, and what came
    of it. Drift, the canary and the retraining triggers read it; the product reports outcomes (a
    person's category, the customer's score) through mlcore.predictions, never the other way round."""

    ref = models.CharField(max_length=64, db_index=True)  # the caller's id for what was predicted (an inquiry's pk)
    model_version = models.CharField(max_length=32)
    category = models.CharField(max_length=64)
    confidence = models.FloatField()
    sentiment = models.FloatField(null=True, blank=True)
    escalated = models.BooleanField()  # handed to a person by the rules on this prediction
    confirmed_category = models.CharField(max_length=64, blank=True)  # a person's label, once given
    confirmed_at = models.DateTimeField(null=True, blank=True)
    feedback_score = models.FloatField(null=True, blank=True)  # the customer's explicit score in [0, 1]
    # The production audit (mlcore.audit): a random share of automatic answers, labeled blind by annotators.
    # audit_propensity is the chance this one had of being drawn; audit_category the gold label it got.
    audit_propensity = models.FloatField(null=True, blank=True)
    audit_category = models.CharField(max_length=64, blank=True)
    audited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["model_version", "created_at"], name="prediction_version_time")]

    def __str__(self) -> str:
        return f"{self.model_version} on {self.ref}: {self.category}"


class ShadowPrediction(models.Model):
    """What a shadow candidate would have answered for one request; never shown to anyone."""

    ref = models.CharField(max_length=64, db_index=True)  # as Prediction.ref
    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="predictions")
    model_version = models.CharField(max_length=32)
    category = models.CharField(max_length=64)
    confidence = models.FloatField()
    escalated = models.BooleanField()
    agrees = models.BooleanField()  # same category as the answer given
    latency_ms = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.model_version} on {self.ref}: {self.category}"


class NewCategory(models.Model):
    """A category an admin added after the starter set (SPEC §4.6: from a topic of escalated inquiries).

    Annotators may choose it at once; training includes it only once it has
    SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD gold labels (mlcore.selectors.newcategories_held_back)."""

    name = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    origin = models.CharField(max_length=255, blank=True)  # where it came from, e.g. "topic 3 of clustering run #12"
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "new categories"

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """How a category is shown to people: its display name and guideline (what belongs in it, with examples).

    The name is the label the model predicts and every record stores; admins edit the rest. A category
    without a row here is shown by its name made readable (mlcore.categories.category_display)."""

    name = models.CharField(max_length=64, unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True, help_text="When to choose this category, and when not.")
    examples = models.TextField(blank=True, help_text="Example texts, one per line.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.display_name or self.name
