"""The calendar page's forms: they read the input; the rules live in `calendar`."""

from django import forms

HOLIDAY, WORKDAY = "holiday", "workday"


class DayForm(forms.Form):
    # A plain text field: the service says what is wrong with a date, beside the name's error.
    date = forms.CharField(
        label="日期", max_length=20, widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )
    kind = forms.ChoiceField(
        label="类型", choices=[(HOLIDAY, "放假"), (WORKDAY, "调休上班")], initial=HOLIDAY
    )
    name = forms.CharField(
        label="名称", max_length=100, required=False,
        help_text="如 春节、国庆节、春节调休上班、壮族三月三",
    )

    @property
    def is_workday(self) -> bool:
        return self.cleaned_data["kind"] == WORKDAY


class YearCompleteForm(forms.Form):
    note = forms.CharField(
        label="说明", max_length=200, required=False,
        help_text="如 依据国办发明电〔2026〕×号录入",
    )
