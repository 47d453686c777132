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


class TopicCategoryForm(forms.Form):
    """Turn a topic of escalated inquiries into a category (SPEC §4.6); the service checks the name is free."""

    name = forms.RegexField(
        label="Category name", max_length=64, regex=r"^[a-z][a-z0-9_]{1,63}$",
        error_messages={"invalid": "Use 2-64 lower-case letters, digits and underscores, starting with a letter "
                                   "(like card_arrival)."},
        help_text="Lower-case letters, digits and underscores, like card_arrival.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    display_name = forms.CharField(label="Display name (optional)", max_length=100, required=False,
                                   help_text="What people read in the product, like Card arrival; the name made "
                                             "readable when empty.")
    description = forms.CharField(label="Description", max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="What belongs in it, for the people who label and answer it.")
    faq_question = forms.CharField(label="FAQ question (optional)", max_length=500, required=False)
    faq_answer = LongTextField(label="FAQ answer (optional)", max_length=5000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text="With an answer, inquiries of this category can be answered automatically "
                                         "once the model knows it.")
