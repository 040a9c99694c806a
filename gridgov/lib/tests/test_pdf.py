import io

from pypdf import PdfReader

from gridgov.lib import pdf


def test_a_document_carries_its_chinese_text_and_title():
    content = pdf.render(
        [
            pdf.paragraph("人民调解协议书", "title"),
            pdf.paragraph("甲方：张三\n乙方：李四 <不是标签>"),
            pdf.table([["序号", "约定事项"], [1, "赔偿人民币五千元"]]),
        ],
        title="调解协议",
    )
    reader = PdfReader(io.BytesIO(content))
    text = reader.pages[0].extract_text()
    assert "人民调解协议书" in text
    assert "赔偿人民币五千元" in text
    assert "<不是标签>" in text
    assert "第 1 页" in text
    assert reader.metadata.title == "调解协议"
