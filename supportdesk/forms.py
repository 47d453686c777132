from django import forms

from supportdesk.models import Inquiry

MAX_TEXT = 5000


class InquiryForm(forms.Form):
    text = forms.CharField(
        label="How can we help?", max_length=MAX_TEXT, min_length=1, strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_TEXT, "autofocus": True}),
    )
    name = forms.CharField(label="Your name (optional)", max_length=Inquiry._meta.get_field("name").max_length,
                           required=False)
    email = forms.EmailField(label="Email (optional)", required=False)


class FollowUpForm(forms.Form):
    body = forms.CharField(label="Add a message", max_length=MAX_TEXT, strip=True,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT}))


class ReplyForm(forms.Form):
    body = forms.CharField(label="Reply to the customer", max_length=MAX_TEXT, strip=True,
                           widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_TEXT}))


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label="Category")

    def __init__(self, *args, choices: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c, c) for c in choices]


class ReassignForm(forms.Form):
    agent = forms.ChoiceField(label="Reassign to")

    def __init__(self, *args, agents: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [(a, a) for a in agents]
