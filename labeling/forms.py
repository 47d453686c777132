from django import forms

from labeling.services.comments import COMMENT_MAX
from labeling.services.queue import SUGGESTION_MAX


class LabelForm(forms.Form):
    """An answer: a category, "none of these", or a new category with its suggested name."""

    label = forms.CharField(max_length=64)
    suggestion = forms.CharField(max_length=SUGGESTION_MAX, required=False)


class ReviewForm(forms.Form):
    label = forms.CharField(max_length=64)
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(max_length=COMMENT_MAX, required=False)
    flagged = forms.BooleanField(required=False)
    back = forms.ChoiceField(choices=[("annotate", "annotate"), ("review", "review")], required=False)
