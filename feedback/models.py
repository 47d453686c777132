from django.db import models
from django.utils import timezone


class ImplicitSignal(models.Model):
    """One ticket page view's implicit signals, updated by its beacons (SPEC §4.1)."""

    inquiry = models.ForeignKey("supportdesk.Inquiry", on_delete=models.CASCADE, related_name="implicit_signals")
    view_id = models.CharField(max_length=64, unique=True)
    last_seq = models.PositiveIntegerField(default=0)
    clicked = models.BooleanField(default=False)
    dwell_seconds = models.FloatField(default=0.0)
    scroll_depth = models.FloatField(default=0.0)
    score = models.FloatField(default=0.0, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_day = models.DateField(default=timezone.localdate, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"view {self.view_id}: {self.score:.3f}"


class ExplicitFeedback(models.Model):
    """What the customer told us about the answer, once per ticket (SPEC §4.2)."""

    inquiry = models.OneToOneField("supportdesk.Inquiry", on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    comment_sentiment = models.FloatField(null=True, blank=True)
    comment_embedding = models.BinaryField(null=True, blank=True, editable=False)  # for topic clusters
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, db_index=True)
    model_version = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_day = models.DateField(default=timezone.localdate, db_index=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5) | models.Q(rating__isnull=True),
                                   name="feedback_rating_1_5"),
            models.CheckConstraint(condition=models.Q(nps__gte=0, nps__lte=10) | models.Q(nps__isnull=True),
                                   name="feedback_nps_0_10"),
        ]

    def __str__(self) -> str:
        return f"feedback on #{self.inquiry_id}: {self.score}"


class ClusterRun(models.Model):
    """One topic-clustering run (SPEC §4.4); runs are kept, so earlier ones stay viewable."""

    class Source(models.TextChoices):
        COMMENTS = "comments", "Feedback comments"
        ESCALATIONS = "escalations", "Escalated inquiries"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=16, choices=Source.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    window_days = models.PositiveIntegerField(default=90)
    n_items = models.PositiveIntegerField(default=0)
    n_noise = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict)
    points = models.JSONField(default=list)  # [x, y, label, text snippet] for the 2-D map
    error = models.TextField(blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"run #{self.pk} {self.source} {self.status}"


class Cluster(models.Model):
    run = models.ForeignKey(ClusterRun, on_delete=models.CASCADE, related_name="clusters")
    label = models.IntegerField()
    name = models.CharField(max_length=255, blank=True)  # from the top keywords ("card · arrive · still")
    size = models.PositiveIntegerField()
    keywords = models.JSONField(default=list)
    representatives = models.JSONField(default=list)
    mean_sentiment = models.FloatField(null=True, blank=True)
    mean_nps = models.FloatField(null=True, blank=True)
    # Ids of its texts: Inquiry ids for a run over escalations, ExplicitFeedback ids for one over comments.
    member_ids = models.JSONField(default=list)
    weekly = models.JSONField(default=list)  # members per week over the last weeks, oldest first
    growth = models.FloatField(default=0.0)  # cluster_trends.trend_growth(weekly)
    reasons = models.JSONField(default=dict)  # escalation reason -> members escalated for it (escalations)
    category = models.CharField(max_length=64, blank=True)  # the category an admin made of this topic

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"{self.label}: {self.name or ', '.join(self.keywords[:3])}"
