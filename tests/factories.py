import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from supportdesk.models import FAQEntry, Inquiry, TicketEvent, TicketMessage

# Feedback comments on three clear topics, four phrasings each (the clustering tests and the topics map).
FEEDBACK_TOPICS = {
    "parcel": ["my parcel is late again", "the courier lost my parcel", "parcel never arrived, courier useless",
               "where is my parcel, courier says delivered"],
    "refund": ["refund still not on my card", "I want my money back now", "refund took weeks, terrible",
               "still waiting for the refund money"],
    "login": ["cannot log in to my account", "password reset email never comes", "login page keeps failing",
              "locked out of my account again"],
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])


class InquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inquiry

    text = factory.Faker("sentence")
    name = factory.Faker("name")
    email = factory.Faker("email")
    status = Inquiry.Status.RECEIVED
    # A resolved ticket records when, as resolving it through the service does.
    resolved_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == Inquiry.Status.RESOLVED else None)


class TicketMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketMessage

    inquiry = factory.SubFactory(InquiryFactory)
    author_kind = TicketMessage.Author.AGENT
    body = factory.Faker("sentence")


class TicketEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketEvent

    inquiry = factory.SubFactory(InquiryFactory)
    from_status = Inquiry.Status.RECEIVED
    to_status = Inquiry.Status.ESCALATED


class FAQEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FAQEntry

    category = "delivery"
    question = factory.Faker("sentence")
    answer = factory.Faker("paragraph")


class LabelingBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "labeling.LabelingBatch"

    trigger = "manual"
    strategy = "msal_margin"
    annotators_per_item = 2
    model_version = "v1"


class LabelingItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "labeling.LabelingItem"

    batch = factory.SubFactory(LabelingBatchFactory)
    position = factory.Sequence(lambda n: n)
    text = factory.Faker("sentence")
    required_labels = factory.LazyAttribute(lambda item: item.batch.annotators_per_item)
    model_category = "delivery"
    model_probabilities = factory.LazyFunction(lambda: {"delivery": 0.55, "refund": 0.45})


class PredictionFactory(factory.django.DjangoModelFactory):
    """A row of mlcore's prediction log, as inquiry_classify writes one."""

    class Meta:
        model = "mlcore.Prediction"

    ref = factory.Sequence(lambda n: str(n + 1))
    model_version = "v1"
    category = "delivery"
    confidence = 0.9
    sentiment = 0.0
    escalated = False
