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
