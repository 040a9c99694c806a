"""The forms of the mediation pages. They only parse input; the workflow validates it."""

import re

from django import forms
from django.core.exceptions import ValidationError

from gridgov.accounts.models import User
from gridgov.mediation.models import (
    DisputeType,
    Expert,
    Mediator,
    Organisation,
    PartyKind,
    PartyRole,
    Performance,
    Referral,
    Risk,
    Ruling,
    Source,
    Status,
)
from gridgov.regions.models import Region

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RegisterForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.none(), label="调解组织", required=False)
    title = forms.CharField(label="案由", max_length=100, required=False)
    dispute_type = forms.ModelChoiceField(DisputeType.objects.filter(is_active=True), label="纠纷类型", required=False)
    source = forms.ChoiceField(label="案件来源", choices=[c for c in Source.choices if c[0] != Source.EVENT])
    region = forms.ModelChoiceField(Region.objects.none(), label="纠纷发生地", required=False)
    address = forms.CharField(label="发生地点", max_length=200, required=False)
    facts = forms.CharField(label="纠纷事实", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    claims = forms.CharField(label="当事人请求", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    amount = forms.CharField(label="涉及金额（元）", required=False)
    people_involved = forms.IntegerField(label="涉及人数", initial=2, min_value=1)
    risk = forms.TypedChoiceField(label="风险等级", choices=Risk.choices, coerce=int, initial=Risk.LOW)
    is_major = forms.BooleanField(label="重大矛盾纠纷", required=False)
    leader = forms.ModelChoiceField(User.objects.none(), label="包案领导", required=False)

    def __init__(self, *args, organisations, regions, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["region"].queryset = regions
        self.fields["leader"].queryset = leaders


class PartyForm(forms.Form):
    """One row of the parties: an applicant, a respondent or another party (其他当事人)."""

    role = forms.ChoiceField(label="身份", choices=PartyRole.choices, initial=PartyRole.OTHER,
                             error_messages={"invalid_choice": "当事人身份无效"})
    kind = forms.ChoiceField(label="类型", choices=PartyKind.choices, error_messages={"invalid_choice": "当事人类型无效"})
    name = forms.CharField(label="姓名/名称", required=False, widget=forms.TextInput(attrs={"maxlength": 100}))
    id_number = forms.CharField(label="证件号码", required=False, widget=forms.TextInput(attrs={"maxlength": 18}))
    phone = forms.CharField(label="联系电话", required=False, widget=forms.TextInput(attrs={"maxlength": 20}))
    address = forms.CharField(label="住址", required=False, widget=forms.TextInput(attrs={"maxlength": 200}))

    TEXT = ("name", "id_number", "phone", "address")

    def is_blank(self) -> bool:
        return not any((self.cleaned_data.get(name) or "").strip() for name in self.TEXT)


class BasePartyFormSet(forms.BaseFormSet):
    """The parties of a case, as many rows as the dispute has; a row left blank is skipped.
    The workflow names a bad party by its place in the list it was given (`parties[1].name`);
    `add_service_errors` puts the message on the row the person filled in, naming the row."""

    def parties(self) -> list:
        from gridgov.mediation.workflow import PartyInput

        self._filled = [form for form in self.forms if not form.is_blank()]
        return [
            PartyInput(role=form.cleaned_data["role"], kind=form.cleaned_data["kind"],
                       **{name: form.cleaned_data.get(name) or "" for name in PartyForm.TEXT})
            for form in self._filled
        ]

    def add_service_errors(self, error: ValidationError) -> ValidationError | None:
        """Attach the workflow's messages about parties here; return the others."""
        rest: dict[str, list[str]] = {}
        for key, messages in error.message_dict.items():
            found = PARTY_KEY.fullmatch(key)
            if found:
                form = self._filled[int(found["index"])]
                row = self.forms.index(form) + 1
                form.add_error(found["field"], [f"第 {row} 位当事人：{m}" for m in messages])
            elif key == "parties":
                self.non_form_errors().extend(messages)
            else:
                rest[key] = messages
        return ValidationError(rest) if rest else None


PARTY_KEY = re.compile(r"parties\[(?P<index>\d+)\]\.(?P<field>\w+)")
PartyFormSet = forms.formset_factory(PartyForm, formset=BasePartyFormSet, extra=0, max_num=50, validate_max=True)
# A new case starts with an applicant and a respondent; more rows are added on the page.
PARTY_ROWS = [{"role": PartyRole.APPLICANT}, {"role": PartyRole.RESPONDENT}]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AcceptForm(forms.Form):
    mediators = forms.ModelMultipleChoiceField(Mediator.objects.none(), label="承办调解员", required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["mediators"].queryset = Mediator.objects.filter(organisation=case.organisation, is_active=True)


class AssignForm(forms.Form):
    mediators = forms.ModelMultipleChoiceField(Mediator.objects.none(), label="调解员", required=False)
    experts = forms.ModelMultipleChoiceField(Expert.objects.none(), label="邀请专家", required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["mediators"].queryset = Mediator.objects.filter(
                organisation__area_code__startswith=case.org_code[:6], is_active=True
            ).select_related("organisation")
            self.fields["experts"].queryset = Expert.objects.filter(
                area_code__startswith=case.org_code[:6], is_active=True
            )


class TransferForm(forms.Form):
    to = forms.ModelChoiceField(Organisation.objects.none(), label="移交至", required=False)
    reason = forms.CharField(label="移交理由", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["to"].queryset = Organisation.objects.filter(
                area_code__startswith=case.org_code[:6], is_active=True
            ).exclude(pk=case.organisation_id)


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(label="调解时间", widget=DATETIME, required=False)
    place = forms.CharField(label="地点", max_length=200, required=False)
    participants = forms.CharField(label="参加人员", max_length=500, required=False)
    said = forms.CharField(label="调解情况", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    agreed = forms.CharField(label="达成事项", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SucceedForm(forms.Form):
    terms = forms.CharField(label="协议内容", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    responsibility = forms.CharField(label="争议事项及责任", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    performance_manner = forms.CharField(label="履行方式", max_length=200, required=False)
    performance_place = forms.CharField(label="履行地点", max_length=200, required=False)
    performance_deadline = forms.DateField(label="履行期限", widget=DATE, required=False)
    is_oral = forms.BooleanField(label="口头协议", required=False)


class FailForm(forms.Form):
    referral = forms.ChoiceField(label="分流去向", choices=[("", "请选择"), *Referral.choices], required=False)
    reason = forms.CharField(label="调解不成的情况", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ConfirmationForm(forms.Form):
    court = forms.CharField(label="受理法院", max_length=100, required=False)
    requested_on = forms.DateField(label="申请日期", widget=DATE, required=False)
    ruling = forms.ChoiceField(label="结果", choices=Ruling.choices)
    ruling_number = forms.CharField(label="裁定书文号", max_length=100, required=False)


class FollowUpForm(forms.Form):
    performance = forms.ChoiceField(label="履行情况", choices=[("", "请选择"), *Performance.choices], required=False)
    satisfaction = forms.ChoiceField(label="满意度", choices=[("", "—"), ("满意", "满意"), ("基本满意", "基本满意"),
                                                             ("不满意", "不满意")], required=False)
    note = forms.CharField(label="回访情况", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class EmptyForm(forms.Form):
    pass


class CaseFilterForm(forms.Form):
    q = forms.CharField(label="案号/案由/当事人", required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *Status.choices], required=False)
    dispute_type = forms.ModelChoiceField(DisputeType.objects.all(), label="纠纷类型", required=False)
    major = forms.BooleanField(label="仅重大", required=False)
    overdue = forms.BooleanField(label="仅超期", required=False)
    start = forms.DateField(label="登记自", widget=DATE, required=False)
    end = forms.DateField(label="至", widget=DATE, required=False)


class PeriodForm(forms.Form):
    start = forms.DateField(label="自", widget=DATE, required=False)
    end = forms.DateField(label="至", widget=DATE, required=False)
    region = forms.ChoiceField(label="区域", required=False)


class MeetingForm(forms.Form):
    region = forms.ChoiceField(label="镇街/区")
    held_on = forms.DateField(label="会议日期", widget=DATE)
    title = forms.CharField(label="会议名称", max_length=100)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "region", "short_name", "word", "dispute_types", "phone", "address", "is_active"]
        widgets = {"dispute_types": forms.CheckboxSelectMultiple}


class MediatorForm(forms.ModelForm):
    class Meta:
        model = Mediator
        fields = ["organisation", "name", "user", "phone", "specialities", "is_full_time", "is_active"]
        widgets = {"specialities": forms.CheckboxSelectMultiple}


class ExpertForm(forms.ModelForm):
    class Meta:
        model = Expert
        fields = ["name", "kind", "region", "phone", "specialities", "is_active"]
        widgets = {"specialities": forms.CheckboxSelectMultiple}


class DisputeTypeForm(forms.ModelForm):
    class Meta:
        model = DisputeType
        fields = ["code", "name", "order", "limit_days", "category_code", "is_active"]
