from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.catalogue.importing import MAX_UPLOAD_BYTES, FileRejectedError, check_xlsx_upload, render_error
from marketplace.catalogue.models import CatalogueVersion


class VersionCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("Name"), max_length=50, help_text=_("For example: 2027版"))
    based_on = forms.ModelChoiceField(
        label=_("Copy the items of"),
        queryset=CatalogueVersion.objects.exclude(state=CatalogueVersion.State.DRAFT),
        required=False,
        empty_label=_("(start empty)"),
        help_text=_("A published catalogue cannot change: copy it forward into this draft, then edit."),
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if CatalogueVersion.objects.filter(name=name).exists():
            raise forms.ValidationError(_("A catalogue version with this name exists already."))
        return name


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_("An .xlsx or .csv file with the columns of the exported catalogue (at most 5 MB)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if upload.name.lower().endswith(".xlsx"):
            content = upload.read()
            upload.seek(0)
            try:
                check_xlsx_upload(content)
            except FileRejectedError as rejected:
                raise forms.ValidationError(render_error(rejected.error)) from rejected
        return upload


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("I have checked it and want to go on."), required=True)


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for retiring"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the catalogue's history; the item is kept, never deleted."),
    )
