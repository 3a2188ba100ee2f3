from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.registry.models import Membership, Resident, Tag
from linli.registry.validation import InvalidInput, ResidentData, clean_resident


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _blank(choices: Any) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class ResidentForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    sex = forms.ChoiceField(label=_("sex"), choices=_blank(Resident.Sex.choices), required=False)
    birth_date = forms.CharField(
        label=_("birth date"), required=False, help_text=_("Taken from the ID number when empty.")
    )
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    hukou_type = forms.ChoiceField(
        label=_("hukou type"), choices=_blank(Resident.HukouType.choices)
    )
    ethnicity = forms.CharField(label=_("ethnicity"), max_length=20, initial="汉族", required=False)
    education = forms.ChoiceField(
        label=_("education"), choices=_blank(Resident.Education.choices), required=False
    )
    employment = forms.ChoiceField(
        label=_("employment"), choices=_blank(Resident.Employment.choices), required=False
    )
    marital_status = forms.ChoiceField(
        label=_("marital status"), choices=_blank(Resident.Marital.choices), required=False
    )
    disability_kind = forms.ChoiceField(
        label=_("disability kind"), choices=_blank(Resident.DisabilityKind.choices), required=False
    )
    disability_grade = forms.ChoiceField(
        label=_("disability grade"),
        choices=[("", "—")] + [(str(i), str(i)) for i in range(1, 5)],
        required=False,
    )
    notes = forms.CharField(
        label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    resident_data: ResidentData

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            self.resident_data = clean_resident(cleaned)
        except InvalidInput as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    @classmethod
    def initial_for(cls, resident: Resident) -> dict[str, Any]:
        """Initial values; ID and phone stay empty unless the user may reveal them."""
        return {
            "name": resident.name,
            "sex": resident.sex,
            "birth_date": resident.birth_date.isoformat(),
            "hukou_type": resident.hukou_type,
            "ethnicity": resident.ethnicity,
            "education": resident.education,
            "employment": resident.employment,
            "marital_status": resident.marital_status,
            "disability_kind": resident.disability_kind,
            "disability_grade": resident.disability_grade or "",
            "notes": resident.notes,
        }


class TagForm(StyledForm):
    tag = forms.ChoiceField(label=_("special group"), choices=[])
    evidence = forms.CharField(label=_("evidence"), max_length=300, required=False)
    valid_from = forms.DateField(
        label=_("valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    review_date = forms.DateField(
        label=_("review date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, tag_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tag"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [c for c in tag_choices if c[0] != Tag.ELDERLY_80]


class EndTagForm(StyledForm):
    on = forms.DateField(label=_("ended on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)


class MoveForm(StyledForm):
    building = forms.ChoiceField(label=_("building"), choices=[])
    entrance = forms.IntegerField(label=_("entrance"), min_value=1, max_value=99, initial=1)
    room = forms.CharField(label=_("room"), max_length=12)
    relation = forms.ChoiceField(label=_("relation to head"), choices=Membership.Relation.choices)
    on = forms.DateField(
        label=_("date of the move"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)

    def __init__(self, *args: Any, buildings: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["building"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(pk), name) for pk, name in buildings]
