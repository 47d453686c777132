from django.urls import path

from labeling import views

app_name = "labeling"

urlpatterns = [
    path("", views.annotate_view, name="annotate"),
    path("counts/", views.counts_fragment_view, name="counts"),
    path("next/", views.take_view, name="take"),
    path("annotations/<int:pk>/label/", views.label_view, name="label"),
    path("annotations/<int:pk>/skip/", views.skip_view, name="skip"),
    path("annotations/<int:pk>/change/", views.change_view, name="change"),
    path("undo/", views.undo_view, name="undo"),
    path("items/<int:pk>/comments/", views.comment_view, name="comment"),
    path("history/", views.history_view, name="history"),
    path("suggestions/", views.suggestions_view, name="suggestions"),
    path("review/", views.review_list_view, name="review"),
    path("review/<int:pk>/", views.review_item_view, name="review-item"),
    path("review/<int:pk>/decide/", views.review_decide_view, name="review-decide"),
    path("stats/", views.stats_view, name="stats"),
    path("batches/", views.fill_view, name="fill"),
    path("gold.csv", views.gold_csv_view, name="gold-csv"),
    path("gold.jsonl", views.gold_jsonl_view, name="gold-jsonl"),
]
