"""Dispute mediation (矛盾纠纷多元化解): organisations, mediators, cases and their records.

A case belongs to the territory twice: through its `area_code` (the region where the dispute
arose) and through its organisation's `area_code` (who mediates it). Mediators are scoped by
the organisation, everyone else by where the dispute is (accounts/permissions.py).
"""

from django.db import models
from django.db.models import Q

from gridgov.accounts.models import User
from gridgov.events.models import Event, NoticeKind
from gridgov.lib import chain
from gridgov.regions.models import Region

# About one calendar month in working days (人民调解: normally settled within one month).
DEFAULT_LIMIT_DAYS = 22
WARNING_DAYS = 3


class DisputeType(models.Model):
    """纠纷类型 of the statistics (standards-cn §7); kept by the administrator."""

    code = models.CharField("代码", max_length=10, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    limit_days = models.PositiveSmallIntegerField("调解时限（工作日）", default=DEFAULT_LIMIT_DAYS)
    # The minor class of the event taxonomy a dispute of this type is reported under.
    category_code = models.CharField("对应事件分类代码", max_length=10, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "纠纷类型"
        verbose_name_plural = "纠纷类型"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    VILLAGE_COMMITTEE = "village_committee", "村（社区）人民调解委员会"
    TOWN_COMMITTEE = "town_committee", "乡镇（街道）人民调解委员会"
    TOWN_CENTRE = "town_centre", "镇街矛调中心"
    DISTRICT_CENTRE = "district_centre", "区矛调中心"
    INDUSTRY = "industry", "行业性专业性调委会"
    POLICE = "police", "派出所调解室"
    COURT = "court", "诉调对接（法院）"


class Organisation(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类别", max_length=30, choices=OrganisationKind.choices)
    region = models.ForeignKey(Region, verbose_name="所在区域", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField("区划代码前缀", max_length=12, db_index=True)
    # The case number: (2026)吴兴人调字第 17 号 = year, short name, word.
    short_name = models.CharField("简称（案号用）", max_length=20)
    word = models.CharField("案号字", max_length=10, default="人调")
    dispute_types = models.ManyToManyField(DisputeType, verbose_name="受理纠纷类型", blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "调解组织"
        verbose_name_plural = "调解组织"
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name


class Mediator(models.Model):
    organisation = models.ForeignKey(Organisation, verbose_name="调解组织", on_delete=models.PROTECT, related_name="mediators")
    user = models.ForeignKey(User, verbose_name="登录账号", null=True, blank=True, on_delete=models.SET_NULL, related_name="mediator_posts")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    specialities = models.ManyToManyField(DisputeType, verbose_name="擅长类型", blank=True)
    is_full_time = models.BooleanField("专职", default=False)
    is_active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "调解员"
        verbose_name_plural = "调解员"
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return self.name


class ExpertKind(models.TextChoices):
    LAWYER = "lawyer", "律师"
    RETIRED_JUDGE = "retired_judge", "退休法官"
    DEPUTY = "deputy", "两代表一委员"
    SAGE = "sage", "乡贤"
    PROFESSIONAL = "professional", "行业专家"


class Expert(models.Model):
    """专家库: people a case can draw on."""

    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("类别", max_length=20, choices=ExpertKind.choices)
    region = models.ForeignKey(Region, verbose_name="所在区域", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField("区划代码前缀", max_length=12, db_index=True)
    specialities = models.ManyToManyField(DisputeType, verbose_name="擅长类型", blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    is_active = models.BooleanField("在库", default=True)

    class Meta:
        verbose_name = "专家"
        verbose_name_plural = "专家库"
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class Status(models.TextChoices):
    REGISTERED = "registered", "已登记"
    ACCEPTED = "accepted", "已受理"
    REFUSED = "refused", "不予受理"
    MEDIATING = "mediating", "调解中"
    SUCCEEDED = "succeeded", "调解成功"
    FAILED = "failed", "调解不成"
    FOLLOWED_UP = "followed_up", "已回访"
    ARCHIVED = "archived", "已归档"


# Mediation has ended (结案): the deadline stops, a linked event closes.
CONCLUDED = {Status.SUCCEEDED, Status.FAILED, Status.FOLLOWED_UP, Status.ARCHIVED}
OPEN = [Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING]


class Source(models.TextChoices):
    APPLICATION = "application", "当事人申请"
    PROACTIVE = "proactive", "主动排查"
    POLICE = "police", "公安移交"
    COURT = "court", "法院委托"
    GOVERNMENT = "government", "政府指定"
    EVENT = "event", "事件转入"


class Risk(models.IntegerChoices):
    LOW = 1, "低"
    MEDIUM = 2, "中"
    HIGH = 3, "高"


class Referral(models.TextChoices):
    LITIGATION = "litigation", "引导诉讼"
    ARBITRATION = "arbitration", "申请仲裁"
    ADMINISTRATIVE = "administrative", "行政处理"
    PETITION = "petition", "信访部门"


class CaseSequence(models.Model):
    """The last number an organisation gave in a year; locked while a case takes the next."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="unique_case_sequence")]


class Case(models.Model):
    number = models.CharField("案号", max_length=60)
    organisation = models.ForeignKey(Organisation, verbose_name="调解组织", on_delete=models.PROTECT, related_name="cases")
    # Denormalised from the organisation (and moved with it on transfer): the mediators' scope.
    org_code = models.CharField(max_length=12)
    title = models.CharField("案由", max_length=100)
    dispute_type = models.ForeignKey(DisputeType, verbose_name="纠纷类型", on_delete=models.PROTECT, related_name="cases")
    source = models.CharField("案件来源", max_length=20, choices=Source.choices)
    facts = models.TextField("纠纷事实")
    claims = models.TextField("当事人请求", blank=True)
    amount = models.DecimalField("涉及金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    people_involved = models.PositiveIntegerField("涉及人数", default=2)
    risk = models.PositiveSmallIntegerField("风险等级", choices=Risk.choices, default=Risk.LOW)
    is_major = models.BooleanField("重大矛盾纠纷", default=False)
    leader = models.ForeignKey(User, verbose_name="包案领导", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name="发生地", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField("发生地区划代码前缀", max_length=12)
    address = models.CharField("发生地点", max_length=200, blank=True)
    mediators = models.ManyToManyField(Mediator, verbose_name="调解员", blank=True, related_name="cases")
    experts = models.ManyToManyField(Expert, verbose_name="邀请专家", blank=True, related_name="cases")
    event = models.OneToOneField(Event, verbose_name="关联事件", null=True, blank=True, on_delete=models.PROTECT, related_name="mediation_case")

    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.REGISTERED)
    referral = models.CharField("分流去向", max_length=20, choices=Referral.choices, blank=True)
    registered_by = models.ForeignKey(User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField("登记时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    concluded_at = models.DateTimeField("结案时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    due_at = models.DateTimeField("调解时限", null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    reminded_for = models.DateTimeField(null=True, blank=True)
    supervised_for = models.DateTimeField(null=True, blank=True)
    was_overdue = models.BooleanField("曾超期", default=False)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)

    log_length = models.PositiveIntegerField(default=0)
    log_head = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "调解案件"
        verbose_name_plural = "调解案件"
        ordering = ["-registered_at"]
        indexes = [
            models.Index(fields=["org_code", "status", "-registered_at"], name="case_org_status"),
            models.Index(fields=["area_code", "-registered_at"], name="case_area"),
            models.Index(fields=["due_at"], name="case_open_due", condition=Q(due_at__isnull=False)),
            models.Index(fields=["warn_at"], name="case_open_warn", condition=Q(warn_at__isnull=False)),
        ]
        constraints = [
            # Two committees may share a short name and word; their numbers stay apart by organisation.
            models.UniqueConstraint(fields=["organisation", "number"], name="unique_case_number"),
            models.UniqueConstraint(
                fields=["registered_by", "idempotency_key"], name="unique_case_idempotency",
                condition=Q(idempotency_key__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return f"/mediation/cases/{self.pk}/"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def light_at(self, now) -> str:
        if self.due_at is None:
            return ""
        if now >= self.due_at:
            return "red"
        if self.warn_at is not None and now >= self.warn_at:
            return "yellow"
        return "green"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    RESPONDENT = "respondent", "被申请人"
    OTHER = "other", "其他当事人"


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "单位"


class Party(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField("身份", max_length=20, choices=PartyRole.choices)
    kind = models.CharField("类型", max_length=20, choices=PartyKind.choices, default=PartyKind.PERSON)
    name = models.CharField("姓名/名称", max_length=100)
    # 身份证号 or 统一社会信用代码, sealed with lib/encryption; never stored in clear.
    id_number_sealed = models.TextField("证件号码（密文）", blank=True)
    id_tail = models.CharField("证件号码（掩码）", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class Session(models.Model):
    """调解记录: one sitting."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField("调解时间")
    place = models.CharField("地点", max_length=200)
    participants = models.CharField("参加人员", max_length=500)
    said = models.TextField("调解情况")
    agreed = models.TextField("达成事项", blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "调解记录"
        verbose_name_plural = "调解记录"
        ordering = ["case", "held_at"]


class Agreement(models.Model):
    """调解协议书 (or an oral agreement, recorded all the same)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="agreement")
    is_oral = models.BooleanField("口头协议", default=False)
    terms = models.TextField("协议内容")
    responsibility = models.TextField("争议事项及责任", blank=True)
    performance_manner = models.CharField("履行方式", max_length=200)
    performance_place = models.CharField("履行地点", max_length=200)
    performance_deadline = models.DateField("履行期限")
    signed_at = models.DateTimeField("签订时间")

    class Meta:
        verbose_name = "调解协议"
        verbose_name_plural = "调解协议"


class Ruling(models.TextChoices):
    PENDING = "pending", "审查中"
    CONFIRMED = "confirmed", "裁定有效"
    REFUSED = "refused", "裁定驳回"


class JudicialConfirmation(models.Model):
    """司法确认 requested of a court for an agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="confirmations")
    court = models.CharField("受理法院", max_length=100)
    requested_at = models.DateField("申请日期")
    ruling = models.CharField("结果", max_length=20, choices=Ruling.choices, default=Ruling.PENDING)
    ruling_number = models.CharField("裁定书文号", max_length=100, blank=True)

    class Meta:
        verbose_name = "司法确认"
        verbose_name_plural = "司法确认"


class Performance(models.TextChoices):
    PERFORMED = "performed", "已履行"
    PARTLY = "partly", "部分履行"
    NOT = "not", "未履行"


class FollowUp(models.Model):
    """回访: did the parties do what they agreed?"""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    visited_at = models.DateTimeField("回访时间")
    performance = models.CharField("履行情况", max_length=20, choices=Performance.choices)
    satisfaction = models.CharField("当事人满意度", max_length=20, blank=True)
    note = models.TextField("回访情况", blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "回访记录"
        verbose_name_plural = "回访记录"


class ReviewMeeting(models.Model):
    """研判例会 of a town or the district: its major disputes are reviewed one by one."""

    region = models.ForeignKey(Region, verbose_name="区域", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=12, db_index=True)
    held_on = models.DateField("会议日期")
    title = models.CharField("会议名称", max_length=100)
    chaired_by = models.ForeignKey(User, verbose_name="主持人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "研判例会"
        verbose_name_plural = "研判例会"
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title


class ReviewDecision(models.Model):
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="decisions")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="review_decisions")
    decision = models.TextField("研判意见")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="one_decision_per_case")]


class LogAction(models.TextChoices):
    REGISTER = "register", "登记"
    ACCEPT = "accept", "受理"
    REFUSE = "refuse", "不予受理"
    TRANSFER = "transfer", "移交"
    ASSIGN = "assign", "指派调解员"
    SESSION = "session", "调解"
    SUCCEED = "succeed", "调解成功"
    FAIL = "fail", "调解不成"
    CONFIRMATION = "confirmation", "司法确认"
    FOLLOW_UP = "follow_up", "回访"
    ARCHIVE = "archive", "归档"
    REVIEW = "review", "研判"
    OPEN_EVENT = "open_event", "生成事件"
    REMIND = "remind", "临期提醒"
    SUPERVISE = "supervise", "超期督办"


class CaseLog(models.Model):
    """One row per thing that happened to a case; never updated or deleted, hash-chained."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="log")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=LogAction.choices)
    old_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="unique_case_log_seq")]

    def compute_hash(self) -> str:
        return chain.digest({
            "case": self.case_id, "seq": self.seq, "action": self.action, "old": self.old_status,
            "new": self.new_status, "actor": self.actor_id, "note": self.note, "data": self.data,
            "at": chain.moment(self.at), "prev": self.prev_hash,
        })


class Disclosure(models.Model):
    """Each time someone saw a party's personal data (ID number, phone) in clear (查看明文留痕)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    # What was shown in clear: "id_number", "phone" or "id_number,phone".
    shown = models.CharField("查看内容", max_length=40, blank=True)
    at = models.DateTimeField()
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "明文查看记录"
        verbose_name_plural = "明文查看记录"
        ordering = ["-at"]


class CaseNotice(models.Model):
    """One message to one person about one case (临期提醒, 督办, 移交…), sent by a task
    through the events' notifiers (settings.NOTIFIERS), whether or not the case has an event.

    The unique key makes issuing idempotent, as for events' notices: two sweepers that both
    decide to remind create one row, and only the creator enqueues the sending.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    due_at = models.DateTimeField(null=True, blank=True)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="case_notices")
    text = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    channels = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "调解通知"
        verbose_name_plural = "调解通知"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "due_at", "recipient"], name="one_case_notice_per_deadline")
        ]
