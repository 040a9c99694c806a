"""The printable documents of a case, in Chinese (lib/pdf): the mediation agreement
(调解协议书), the case-file cover (卷宗封面) and the register of cases (登记簿)."""

from django.utils import timezone
from reportlab.lib.units import mm

from gridgov.lib import pdf
from gridgov.mediation.models import Case, PartyKind, PartyRole


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return f"{value.year} 年 {value.month} 月 {value.day} 日"


def _party_lines(case: Case) -> list:
    lines = []
    for p in case.parties.all():
        who = "名称" if p.kind == PartyKind.ORGANISATION else "姓名"
        # The agreement goes to the parties themselves: it carries the masked number only.
        details = [f"{p.get_role_display()}：{p.name}（{who}）"]
        if p.id_tail:
            details.append(f"证件号码：{p.id_tail}")
        if p.address:
            details.append(f"住址：{p.address}")
        lines.append(pdf.paragraph("　".join(details)))
    return lines


def agreement_pdf(case: Case) -> bytes:
    agreement = case.agreement
    flow = [
        pdf.paragraph(case.organisation.name, "centre"),
        pdf.paragraph("人民调解协议书", "title"),
        pdf.paragraph(f"编号：{case.number}", "centre"),
        pdf.spacer(),
        pdf.paragraph("一、当事人基本情况", "heading"),
        *_party_lines(case),
        pdf.paragraph("二、纠纷简要事实、争议事项及双方责任", "heading"),
        pdf.paragraph(case.facts),
    ]
    if agreement.responsibility:
        flow.append(pdf.paragraph(agreement.responsibility))
    flow += [
        pdf.paragraph("三、经调解，自愿达成如下协议", "heading"),
        pdf.paragraph(agreement.terms),
        pdf.paragraph("四、履行方式、地点、期限", "heading"),
        pdf.paragraph(f"履行方式：{agreement.performance_manner}"),
        pdf.paragraph(f"履行地点：{agreement.performance_place}"),
        pdf.paragraph(f"履行期限：{_date(agreement.performance_deadline)}前"),
        pdf.spacer(),
        pdf.paragraph(
            "本协议经当事人签名（盖章）、调解员签名并加盖人民调解委员会印章后生效。本协议一式 "
            f"{case.parties.count() + 1} 份，当事人各执一份，人民调解委员会留存一份。"
        ),
        pdf.spacer(8),
    ]
    signatures = [[f"{p.get_role_display()}（签名）：", ""] for p in case.parties.all()]
    mediators = "、".join(m.name for m in case.mediators.all())
    signatures.append([f"调解员（签名）：{mediators}", ""])
    signatures.append([f"{case.organisation.name}（印章）", _date(agreement.signed_at)])
    flow.append(pdf.table(signatures, header=False, widths=[110 * mm, 60 * mm]))
    return pdf.render(flow, title=f"人民调解协议书 {case.number}")


def cover_pdf(case: Case) -> bytes:
    parties = "、".join(f"{p.name}（{p.get_role_display()}）" for p in case.parties.all())
    rows = [
        ["案号", case.number],
        ["案由", case.title],
        ["纠纷类型", case.dispute_type.name],
        ["案件来源", case.get_source_display()],
        ["当事人", parties],
        ["调解员", "、".join(m.name for m in case.mediators.all())],
        ["受理日期", _date(case.accepted_at)],
        ["结案日期", _date(case.concluded_at)],
        ["调解结果", case.get_status_display() + (f"（{case.get_referral_display()}）" if case.referral else "")],
        ["归档日期", _date(case.archived_at)],
    ]
    contents = [["序号", "材料名称"]] + [
        [str(i), name] for i, name in enumerate(
            ["申请书或受理登记表", "权利义务告知书", "当事人身份证明", "调查记录及证据", "调解记录",
             "调解协议书", "履行凭证", "回访记录", "司法确认材料", "结案报告表"], start=1)
    ]
    flow = [
        pdf.paragraph(case.organisation.name, "centre"),
        pdf.paragraph("人民调解卷宗", "title"),
        pdf.table(rows, header=False, widths=[35 * mm, 135 * mm]),
        pdf.paragraph("卷内材料目录", "heading"),
        pdf.table(contents, widths=[20 * mm, 150 * mm]),
    ]
    return pdf.render(flow, title=f"人民调解卷宗 {case.number}")


def register_pdf(cases, *, title: str) -> bytes:
    rows = [["案号", "登记日期", "纠纷类型", "申请人", "被申请人", "状态", "调解组织"]]
    for case in cases:
        names = {PartyRole.APPLICANT: [], PartyRole.RESPONDENT: []}
        for p in case.parties.all():
            names.setdefault(p.role, []).append(p.name)
        rows.append([
            case.number, timezone.localtime(case.registered_at).strftime("%Y-%m-%d"), case.dispute_type.name,
            "、".join(names[PartyRole.APPLICANT]), "、".join(names[PartyRole.RESPONDENT]),
            case.get_status_display(), case.organisation.name,
        ])
    flow = [pdf.paragraph(title, "title"), pdf.table(rows)]
    return pdf.render(flow, title=title)
