import numpy as np
from django.contrib.admin.models import LogEntry

from supportdesk.models import EscalationPolicy, FAQEntry


def test_admin_faq_edit_recomputes_the_embedding_and_is_logged(client, admin_user, active_model):
    client.force_login(admin_user)
    entry = FAQEntry.objects.filter(category="delivery").first()
    before = bytes(entry.embedding)
    r = client.post(f"/admin/supportdesk/faqentry/{entry.pk}/change/", {
        "category": "delivery", "question": "Where is my parcel right now?",
        "answer": "Track it under Account > Orders; carriers update within a day.", "is_active": "on",
    })
    assert r.status_code == 302, r.content[:2000]
    entry.refresh_from_db()
    assert bytes(entry.embedding) != before
    assert np.isclose(np.linalg.norm(np.frombuffer(bytes(entry.embedding), dtype=np.float32)), 1, atol=1e-3)
    log = LogEntry.objects.get(object_id=str(entry.pk))
    assert log.user == admin_user and "question" in log.get_change_message().lower()


def test_admin_policy_edit_records_who(client, admin_user, db):
    client.force_login(admin_user)
    policy = EscalationPolicy.objects.create(high_risk_categories=["refund"])
    r = client.post(f"/admin/supportdesk/escalationpolicy/{policy.pk}/change/", {
        "confidence_threshold": "0.8", "margin_threshold": "0.1", "negative_sentiment_threshold": "-0.5",
            "upset_threshold": "0.7",
        "high_risk_categories": '["refund", "payment"]', "use_model_thresholds": "",
    })
    assert r.status_code == 302, r.content[:2000]
    policy.refresh_from_db()
    assert policy.high_risk_categories == ["refund", "payment"] and policy.updated_by == admin_user
    assert LogEntry.objects.filter(object_id=str(policy.pk), user=admin_user).exists()
