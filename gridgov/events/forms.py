"""Forms of the event pages. They read and type the input; the rules (required text, valid
places, departments that serve the place, photo types) live in the workflow, which names
the bad field in its ValidationError."""

import uuid
from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.accounts.models import Department, DepartmentKind, Role, User
from gridgov.events import selectors
from gridgov.events.models import Category, Event, Level, Source, Status
from gridgov.events.workflow import SATISFACTION
from gridgov.lib import codes
from gridgov.regions.models import Level as RegionLevel
from gridgov.regions.models import Region

ANY = [("", "全部")]
LIGHTS = [("red", "红灯（已超期）"), ("yellow", "黄灯（即将超期）"), ("green", "绿灯（正常）")]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Any number of files, handed to the workflow as they came: it checks their content,
    sizes and count, and names each refused file."""

    widget = MultipleFileInput

    def __init__(self, *, camera: bool = False, **kwargs) -> None:
        attrs = {"accept": "image/*"}
        if camera:
            # On a phone this opens the rear camera directly: evidence is taken on site.
            attrs["capture"] = "environment"
        kwargs.setdefault("required", False)
        super().__init__(widget=MultipleFileInput(attrs=attrs), **kwargs)

    def clean(self, value) -> list:
        return [f for f in (value or []) if f]


def _departments_serving(event: Event) -> QuerySet:
    """Active departments whose region contains the event's place (its town or district),
    command rooms left out: they dispatch, they do not handle."""
    area = event.area_code
    region_codes = [codes.pad(area[:n]) for n in (4, 6, 9, 12)]
    return (
        Department.objects.filter(is_active=True, region__code__in=region_codes)
        .exclude(kind=DepartmentKind.COMMAND_ROOM)
        .select_related("region")
        .order_by("-region__code", "name")
    )


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.name}（{obj.region.name}）"


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.name}（{obj.region.name}）"


# --- Actions on one event ------------------------------------------------------------------


class ActionForm(forms.Form):
    """The base of every action form: it knows the event and the user acting."""

    def __init__(self, *args, event: Event, user: User, action: str = "", **kwargs) -> None:
        self.event, self.user = event, user
        # Several action forms share one page: their ids differ, their field names do not.
        kwargs.setdefault("auto_id", f"{action}_%s" if action else "id_%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ConfirmForm(ActionForm):
    """An action with nothing to fill in (签收)."""


class NoteForm(ActionForm):
    note = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(ActionForm):
    # Not `required`: the workflow says which reason is missing in its own words.
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class InstructForm(ActionForm):
    note = forms.CharField(
        label="批示内容", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DispatchForm(ActionForm):
    lead = DepartmentChoiceField(
        label="主办部门",
        queryset=Department.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择主办部门", "invalid_choice": "请选择有效的部门"},
    )
    assisting = DepartmentMultipleChoiceField(
        label="协办部门",
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "请选择有效的部门",
            "invalid_pk_value": "请选择有效的部门",
        },
    )
    note = forms.CharField(
        label="交办意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        serving = _departments_serving(self.event)
        self.fields["lead"].queryset = serving
        self.fields["assisting"].queryset = serving


class MergeForm(ActionForm):
    into = forms.CharField(
        label="合并到事件编号",
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "如 SJ-330502-2026-000001", "list": "merge-suggestions"}
        ),
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_into(self) -> Event:
        code = self.cleaned_data["into"].strip()
        if not code:
            raise forms.ValidationError("请填写要合并到的事件编号")
        # Looked up among the events the user may see, so a code outside the scope reads
        # exactly like one that does not exist.
        target = permissions.visible_events(self.user, Event.objects.filter(code=code)).first()
        if target is None:
            raise forms.ValidationError(f"未找到事件 {code}，或不在您的管辖范围内")
        return target


class FeedBackForm(ActionForm):
    note = forms.CharField(
        label="处置情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label="处置后照片", camera=True, help_text="可多选；手机上将直接打开相机")


class AssistForm(ActionForm):
    note = forms.CharField(
        label="协办情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label="照片或材料", camera=True)


class ExtensionRequestForm(ActionForm):
    days = forms.TypedChoiceField(
        label="延长工作日",
        coerce=int,
        choices=[(n, f"{n} 个工作日") for n in range(1, 31)],
        initial=3,
        error_messages={
            "invalid_choice": "延期天数应为 1 到 30 个工作日",
            "required": "请选择延长的工作日",
        },
    )
    reason = forms.CharField(
        label="延期理由", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtensionDecisionForm(ActionForm):
    # The request the decider looked at: a decision never lands on a newer one.
    extension = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label="满意度",
        required=False,
        choices=[("", "未评价")] + list(SATISFACTION.items()),
        error_messages={"invalid_choice": "满意度应为 满意 / 基本满意 / 不满意"},
    )
    note = forms.CharField(
        label="核查意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Report --------------------------------------------------------------------------------


def category_choices() -> list[dict]:
    """The classes a reporter picks from, with what the search box matches on: each active
    minor class, and a major class only when it has no active minor one."""
    rows = list(
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("sort_order", "code")
    )
    with_children = {c.parent_id for c in rows if c.parent_id}
    choices = []
    for c in rows:
        if c.parent_id is None and c.pk in with_children:
            continue
        if c.parent_id and not c.parent.is_active:
            continue
        major = c.parent.name if c.parent_id else ""
        choices.append(
            {
                "id": c.pk,
                "name": c.name,
                "major": major,
                "code": c.code,
                "search": " ".join(
                    filter(
                        None,
                        [
                            c.code,
                            c.name,
                            c.keywords,
                            major,
                            c.parent.keywords if c.parent_id else "",
                        ],
                    )
                ),
            }
        )
    return choices


def is_operator(user: User) -> bool:
    return user.is_superuser or bool(permissions.roles_of(user) & permissions.COMMAND_ROLES)


def may_self_handle(user: User) -> bool:
    return user.is_superuser or bool(
        permissions.roles_of(user) & {Role.GRID_WORKER, Role.VILLAGE_STATION}
    )


def default_source(user: User) -> str:
    """Where a report by this person comes from when they do not say: a command room
    takes hotline calls; everyone else reports what they found themselves."""
    roles = permissions.roles_of(user)
    if is_operator(user):
        return Source.HOTLINE
    if roles & {Role.GRID_WORKER, Role.VILLAGE_STATION}:
        return Source.GRID_PATROL
    if Role.DEPARTMENT_HANDLER in roles:
        return Source.DEPARTMENT
    if Role.LEADER in roles:
        return Source.LEADER
    return Source.GRID_PATROL


class ReportForm(forms.Form):
    title = forms.CharField(
        label="标题",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "一句话说明问题，如：衣裳街口占道经营"}),
    )
    description = forms.CharField(
        label="描述",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "时间、地点、现场情况"}),
    )
    category = forms.ModelChoiceField(
        label="事件分类",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "请选择有效的事件分类"},
    )
    level = forms.TypedChoiceField(
        label="事件等级",
        coerce=int,
        choices=Level.choices,
        initial=Level.ORDINARY,
        error_messages={"invalid_choice": "请选择有效的事件等级"},
    )
    source = forms.ChoiceField(
        label="事件来源",
        choices=Source.choices,
        required=False,
        error_messages={"invalid_choice": "请选择有效的事件来源"},
    )
    contact_name = forms.CharField(label="反映人", required=False, max_length=50)
    contact_phone = forms.CharField(label="联系电话", required=False, max_length=20)
    lon = forms.FloatField(
        label="经度",
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={"invalid": "经度应为数字"},
    )
    lat = forms.FloatField(
        label="纬度",
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={"invalid": "纬度应为数字"},
    )
    address = forms.CharField(
        label="地址",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "门牌号、路口或明显参照物"}),
    )
    photos = PhotosField(label="现场照片", help_text="可多选，JPG/PNG/WebP，单张不超过 10 MB")
    self_handled = forms.BooleanField(label="已现场自行处置", required=False)
    note = forms.CharField(
        label="处置情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    after_photos = PhotosField(label="处置后照片", camera=True)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        self.initial.setdefault("source", default_source(user))
        if not is_operator(user):
            # Only a command room registers calls and letters on someone else's behalf.
            del self.fields["source"], self.fields["contact_name"], self.fields["contact_phone"]
        if not may_self_handle(user):
            del self.fields["self_handled"], self.fields["note"], self.fields["after_photos"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            self.add_error("lon", "请在地图上点选位置，或点“定位”使用当前位置")
        if data.get("self_handled") and not data.get("after_photos"):
            self.add_error("after_photos", "自行处置须上传处置后的照片")
        return data

    def source_value(self) -> str:
        return self.cleaned_data.get("source") or default_source(self.user)


# --- Search --------------------------------------------------------------------------------


def area_choices(user: User) -> list[tuple[str, str]]:
    """Towns and villages inside the user's scopes, indented under their town."""
    regions = permissions.visible(
        user, Region.objects.filter(level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE])
    ).order_by("code")
    return [
        (r.prefix, ("　" if r.level == RegionLevel.VILLAGE else "") + r.name)
        for r in regions[:2000]
    ]


def lead_choices(user: User) -> list[tuple[str, str]]:
    scopes = permissions.scopes(user)
    q = permissions.scope_q(scopes, "region__code") | Q(members=user)
    departments = (
        Department.objects.filter(q)
        .exclude(kind=DepartmentKind.COMMAND_ROOM)
        .select_related("region")
        .distinct()
        .order_by("region__code", "name")
    )
    return [(str(d.pk), f"{d.name}（{d.region.name}）") for d in departments[:1000]]


def category_filter_choices() -> list[tuple[str, list]]:
    """Major classes with their minor classes beneath, for a select with groups."""
    majors: dict[int, tuple[str, list]] = {}
    for c in Category.objects.select_related("parent").order_by("sort_order", "code"):
        if c.parent_id is None:
            majors.setdefault(c.pk, (c.name, []))[1].insert(0, (str(c.pk), f"{c.name}（全部）"))
        else:
            majors.setdefault(c.parent_id, (c.parent.name, []))[1].append((str(c.pk), c.name))
    return list(majors.values())


class SearchForm(forms.Form):
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "编号、标题或地址", "type": "search"}),
    )
    status = forms.ChoiceField(label="状态", required=False, choices=ANY + Status.choices)
    category = forms.TypedChoiceField(label="分类", required=False, coerce=int, empty_value=None)
    level = forms.TypedChoiceField(
        label="等级", required=False, coerce=int, empty_value=None, choices=ANY + Level.choices
    )
    source = forms.ChoiceField(label="来源", required=False, choices=ANY + Source.choices)
    light = forms.ChoiceField(label="红黄绿灯", required=False, choices=ANY + LIGHTS)
    area = forms.ChoiceField(label="镇街/村社区", required=False)
    lead = forms.TypedChoiceField(label="主办部门", required=False, coerce=int, empty_value=None)
    reported_from = forms.DateField(
        label="上报日期从", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reported_to = forms.DateField(
        label="至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "全部")] + category_filter_choices()
        self.fields["area"].choices = ANY + area_choices(user)
        self.fields["lead"].choices = [("", "全部")] + lead_choices(user)

    def criteria(self) -> selectors.Search:
        """The valid filters as the selector's criteria; an invalid one is left out."""
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        return selectors.Search(
            text=data.get("q") or "",
            status=data.get("status") or "",
            category=data.get("category"),
            level=data.get("level"),
            source=data.get("source") or "",
            area=data.get("area") or "",
            lead=data.get("lead"),
            light=data.get("light") or "",
            reported_from=_day_start(data.get("reported_from")),
            reported_to=_day_start(data.get("reported_to"), plus_days=1),
        )


def _day_start(day, plus_days: int = 0) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day + timedelta(days=plus_days), time.min))
