from django import forms

from supportdesk.forms import LongTextField

MAX_COMMENT = 2000
HELPFUL_CHOICES = [("yes", "Yes"), ("no", "No")]
RATING_CHOICES = [(str(i), f"{i} star{'s' if i > 1 else ''}") for i in range(1, 6)]
NPS_CHOICES = [(str(i), str(i)) for i in range(11)]


class ImplicitSignalForm(forms.Form):
    """A beacon from the ticket page (sent as form data, with its CSRF token)."""

    view_id = forms.RegexField(regex=r"^[A-Za-z0-9_-]{8,64}$")
    seq = forms.IntegerField(min_value=1, max_value=100000)
    clicked = forms.BooleanField(required=False)
    dwell = forms.FloatField(min_value=0.0)
    depth = forms.FloatField(min_value=0.0, max_value=1.0)

    def clean_dwell(self) -> float:
        return min(self.cleaned_data["dwell"], 3600.0)  # a tab left open all day is not 8 h of reading


class ExplicitFeedbackForm(forms.Form):
    """One tap per question: radio buttons styled as buttons (templates/feedback/_ticket_panel.html).
    Every question is optional, but at least one must be answered."""

    helpful = forms.TypedChoiceField(label="Was the answer helpful?", choices=HELPFUL_CHOICES, required=False,
                                     coerce=lambda v: v == "yes", empty_value=None, widget=forms.RadioSelect)
    rating = forms.TypedChoiceField(label="Rate our answer", choices=RATING_CHOICES, required=False, coerce=int,
                                    empty_value=None, widget=forms.RadioSelect)
    nps = forms.TypedChoiceField(label="How likely are you to recommend us to a friend?", choices=NPS_CHOICES,
                                 required=False, coerce=int, empty_value=None, widget=forms.RadioSelect)
    comment = LongTextField(label="Anything else? (optional)", max_length=MAX_COMMENT, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if all(data.get(k) in (None, "") for k in ("helpful", "rating", "comment", "nps")):
            raise forms.ValidationError("Tell us at least one thing: tap an answer, or write a comment.")
        return data
