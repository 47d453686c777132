"""Forms of the agent's ticket page tools: internal notes and saved replies."""

from django import forms

from supportdesk.forms import MAX_TEXT, LongTextField


class NoteForm(forms.Form):
    body = LongTextField(label="Internal note (only staff see it)", max_length=MAX_TEXT, strip=True,
                         widget=forms.Textarea(attrs={"rows": 3}))


class SavedReplyForm(forms.Form):
    title = forms.CharField(label="Title", max_length=120, strip=True)
    body = LongTextField(label="Reply", max_length=MAX_TEXT, strip=True, widget=forms.Textarea(attrs={"rows": 6}))
