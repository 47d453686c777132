from django import forms

from supportdesk.models import Inquiry

MAX_TEXT = 5000
TOO_LONG = ("This message is %(show_value)d characters long; the limit is %(limit_value)d. "
            "Please shorten it and send it again (nothing was sent).")


class LongTextField(forms.CharField):
    """A textarea's text. Its limit goes to the page as data-maxlength for js/charcount.js's counter,
    never as maxlength (a browser silently cuts a paste to maxlength); text over it is a 400 with
    TOO_LONG. Line breaks count once, as the counter counts them (browsers send each as CR LF)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {}).setdefault("max_length", TOO_LONG)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["data-maxlength"] = attrs.pop("maxlength")
        return attrs


class InquiryForm(forms.Form):
    text = LongTextField(
        label="How can we help?", max_length=MAX_TEXT, min_length=1, strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "autofocus": True}),
    )
    name = forms.CharField(label="Your name (optional)", max_length=Inquiry._meta.get_field("name").max_length,
                           required=False)
    email = forms.EmailField(label="Email (optional)", required=False)


class FollowUpForm(forms.Form):
    body = LongTextField(label="Add a message", max_length=MAX_TEXT, strip=True,
                         widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    body = LongTextField(label="Reply to the customer", max_length=MAX_TEXT, strip=True,
                         widget=forms.Textarea(attrs={"rows": 4}))


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


class TicketLinkRequestForm(forms.Form):
    email = forms.EmailField(label="The email you gave with your message",
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
