"""The CSV import page: upload a file, see every row checked (errors by row and column),
then import, all or nothing, or skip the invalid rows by choice."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketamine_care.accounts.decorators import clinic_required
from ketamine_care.accounts.permissions import Capability
from ketamine_care.core.errors import DomainError
from ketamine_care.patients.csv_import import COLUMNS, parse_patients_csv
from ketamine_care.patients.imports import check_against_clinic, import_patients

MAX_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", required=False)
    # The file's text, carried from the preview to the import (the preview shows it all).
    csv_text = forms.CharField(widget=forms.HiddenInput, required=False)
    skip_invalid = forms.BooleanField(label="Skip the invalid rows", required=False)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError("The file is larger than 5 MB.")
            try:
                data["csv_text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
            data["confirm"] = False
        elif not data.get("csv_text"):
            raise forms.ValidationError("Choose a CSV file.")
        return data


@clinic_required(Capability.REGISTER_PATIENT)
@require_http_methods(["GET", "POST"])
def patient_import(request):
    clinic = request.membership.clinic
    form = ImportForm(request.POST or None, request.FILES or None)
    preview, problem = None, ""
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["csv_text"]
        preview = parse_patients_csv(text)
        if not preview.problem:
            check_against_clinic(clinic=clinic, actor=request.user, preview=preview)
        if form.cleaned_data["confirm"] and not preview.problem:
            try:
                patients = import_patients(
                    clinic=clinic,
                    actor=request.user,
                    preview=preview,
                    skip_invalid=form.cleaned_data["skip_invalid"],
                    request=request,
                )
            except DomainError as error:
                problem = error.message
            else:
                messages.success(request, f"{len(patients)} patients imported.")
                return redirect("patients:list")
        form = ImportForm(initial={"csv_text": text, "confirm": True})
    context = {"form": form, "preview": preview, "columns": COLUMNS, "problem": problem}
    status = 422 if preview is not None and (preview.problem or preview.invalid_rows) else 200
    return render(request, "patients/import.html", context, status=status)
