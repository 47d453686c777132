from django import forms


class LabelForm(forms.Form):
    label = forms.CharField(max_length=64)


class ReviewForm(forms.Form):
    label = forms.CharField(max_length=64)
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


