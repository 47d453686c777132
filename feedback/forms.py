from django import forms

MAX_COMMENT = 2000
HELPFUL_CHOICES = [("", "—"), ("yes", "Yes"), ("no", "No")]


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
    helpful = forms.TypedChoiceField(label="Was this helpful?", choices=HELPFUL_CHOICES, required=False,
                                     coerce=lambda v: v == "yes", empty_value=None)
    rating = forms.TypedChoiceField(label="Rate the answer", required=False, coerce=int, empty_value=None,
                                    choices=[("", "—")] + [(str(i), str(i)) for i in range(1, 6)])
    comment = forms.CharField(label="Comment (optional)", max_length=MAX_COMMENT, required=False, strip=True,
                              widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_COMMENT}))
    nps = forms.TypedChoiceField(label="How likely are you to recommend us to a friend? (0–10)", required=False,
                                 coerce=int, empty_value=None, choices=[("", "—")] + [(str(i), str(i))
                                                                                      for i in range(11)])

    def clean(self):
        data = super().clean()
        if all(data.get(k) in (None, "") for k in ("helpful", "rating", "comment", "nps")):
            raise forms.ValidationError("Tell us at least one thing.")
        return data
