from django.conf import settings
from django.db import models
from django.db.models import Q


class PoolText(models.Model):
    """Unlabeled text imported for labeling (SPEC §5.1), beside the inquiries customers send."""

    text = models.TextField(unique=True)
    source = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.text[:60]


class LabelingBatch(models.Model):
    """One selection run: B items chosen together, judged together by the agreement policy (§5.4)."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", "On demand"
        PROMOTION = "promotion", "After a model promotion"
        LOW_QUEUE = "low_queue", "Queue running low"
        NEW_CATEGORY = "new_category", "Texts of a new category's topic"
        AUDIT = "audit", "Audit of automatic answers"

    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    strategy = models.CharField(max_length=32)
    alpha = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=32, blank=True)
    category = models.CharField(max_length=64, blank=True)  # the new category whose topic it holds (NEW_CATEGORY)
    annotators_per_item = models.PositiveSmallIntegerField()
    pool_size = models.PositiveIntegerField(default=0)
    kappa = models.FloatField(null=True, blank=True)
    kappa_measure = models.CharField(max_length=32, blank=True)
    agreement = models.FloatField(null=True, blank=True)  # raw agreement: share of label pairs that match
    policy = models.CharField(max_length=32, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "labeling batches"

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.strategy}, {self.trigger})"


class LabelingItem(models.Model):
    class Status(models.TextChoices):
        LABELING = "labeling", "Being labeled"
        LABELED = "labeled", "Labeled, awaiting the batch's agreement"
        REVIEW = "review", "Awaiting review"
        GOLD = "gold", "Gold"

    class GoldSource(models.TextChoices):
        UNANIMOUS = "unanimous", "Unanimous annotators"
        MAJORITY = "majority", "Majority after an extra annotator"
        REVIEW = "review", "Reviewer"

    batch = models.ForeignKey(LabelingBatch, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    text = models.TextField()
    inquiry = models.OneToOneField("supportdesk.Inquiry", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="labeling_item")
    pool_text = models.OneToOneField(PoolText, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="labeling_item")
    model_category = models.CharField(max_length=64, blank=True)
    model_probabilities = models.JSONField(default=dict)
    score = models.FloatField(default=0.0)
    # Set on audit items (batch trigger AUDIT): the chance this automatic answer had of being drawn.
    audit_propensity = models.FloatField(null=True, blank=True)
    required_labels = models.PositiveSmallIntegerField()
    # Reservations in flight plus labels given: the compare-and-set in assignment_take keeps it ≤ required.
    slots_taken = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LABELING, db_index=True)
    gold_label = models.CharField(max_length=64, blank=True)
    gold_source = models.CharField(max_length=16, choices=GoldSource.choices, blank=True)
    gold_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch_id", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(slots_taken__lte=models.F("required_labels")),
                                   name="labelingitem_slots_within_required"),
        ]

    def __str__(self) -> str:
        return f"item {self.pk}: {self.text[:50]}"


class Annotation(models.Model):
    """A reservation of one item by one annotator; it becomes a label when submitted.

    A live reservation has no label and expires_at in the future. A skip is kept so that the item is
    not offered to the same person again."""

    item = models.ForeignKey(LabelingItem, on_delete=models.CASCADE, related_name="annotations")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotations")
    label = models.CharField(max_length=64, blank=True)  # a category, or one of labeling.answers.SPECIAL
    suggestion = models.CharField(max_length=100, blank=True)  # the new category proposed (answer NEW_CATEGORY)
    skipped = models.BooleanField(default=False)
    reserved_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "annotator"], name="annotation_one_per_annotator"),
        ]

    def __str__(self) -> str:
        return f"{self.annotator_id} on {self.item_id}: {self.label or ('skipped' if self.skipped else 'reserved')}"


class ReviewDecision(models.Model):
    """Every adjudication is kept; the item's gold label is the latest one."""

    item = models.ForeignKey(LabelingItem, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    label = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.label}"


class ItemComment(models.Model):
    """A note on an item by whoever is labeling or reviewing it; a flag marks it as needing a look.

    Reviewers see every comment; annotators see only their own, so labeling stays blind."""

    item = models.ForeignKey(LabelingItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField(blank=True)
    flagged = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {'flag ' if self.flagged else ''}{self.text[:40]}"
