"""What may be attached to an event: the type read from the file's first bytes, not from
its name or the browser's word, a size per file and a number of files per step."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.conftest import photo, report_in_a1
from gridgov.events.attachments import check_uploads
from gridgov.events.models import Attachment, Event
from gridgov.lib.images import placeholder_png

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
DOCX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"[Content_Types].xml" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def problems(exc: pytest.ExceptionInfo) -> list[str]:
    return [m for e in exc.value.error_dict["photos"] for m in e.messages]


# --- accepted ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("整改通知书.pdf", PDF, "application/pdf"),
        ("处置报告.docx", DOCX, DOCX_TYPE),
        ("现场视频.mp4", MP4, "video/mp4"),
        ("现场.png", placeholder_png(), "image/png"),
    ],
)
def test_a_pdf_a_docx_and_an_mp4_are_accepted_by_their_content(name, content, expected):
    # The browser's content type is not trusted either way.
    assert check_uploads([upload(name, content, "application/octet-stream")]) == [expected]


def test_an_accepted_file_is_stored_with_its_type_through_a_report(world, street_vending):
    event = report_in_a1(world, street_vending, photos=[upload("整改通知书.pdf", PDF)])
    attachment = Attachment.objects.get(event=event)
    assert (attachment.content_type, attachment.size, attachment.original_name) == (
        "application/pdf", len(PDF), "整改通知书.pdf",
    )
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF


# --- refused -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE),
        ("现场.jpg", EXE),  # an executable renamed as a photo
        ("报告.pdf", ELF),
        ("处置报告.docx", PDF),  # a real type under another type's name
        ("现场视频.mp4", b"\x00\x00\x00\x18moov" + b"\x00" * 32),
    ],
)
def test_an_executable_or_a_file_whose_bytes_belie_its_name_is_refused(name, content):
    with pytest.raises(ValidationError) as caught:
        check_uploads([upload(name, content, "image/jpeg")])
    assert problems(caught) == [
        f"{name}：不支持的文件类型（可上传 JPG、PNG、WebP 图片，PDF、DOCX 文件或 MP4 视频）"
    ]


def test_an_empty_file_is_refused(world, street_vending):
    with pytest.raises(ValidationError) as caught:
        report_in_a1(world, street_vending, photos=[upload("空.png", b"", "image/png")])
    assert problems(caught) == ["空.png：文件为空"]
    assert not Event.objects.exists()


def test_a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_not(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    head = placeholder_png()
    at_the_limit = head + b"\x00" * (1024 * 1024 - len(head))
    assert check_uploads([upload("刚好.png", at_the_limit)]) == ["image/png"]
    with pytest.raises(ValidationError) as caught:
        check_uploads([upload("太大.png", at_the_limit + b"\x00")])
    assert problems(caught) == ["太大.png：超过 1 MB"]


def test_more_files_than_allowed_are_refused_and_as_many_as_allowed_are_not(
    world, street_vending, settings
):
    settings.ATTACHMENT_MAX_FILES = 3
    assert check_uploads([photo(f"{i}.png") for i in range(3)]) == ["image/png"] * 3
    with pytest.raises(ValidationError) as caught:
        report_in_a1(world, street_vending, photos=[photo(f"{i}.png") for i in range(4)])
    assert caught.value.message_dict == {"photos": ["最多上传 3 个文件"]}
    assert not Event.objects.exists()


def test_every_bad_file_of_a_step_is_named_at_once():
    with pytest.raises(ValidationError) as caught:
        check_uploads([upload("空.pdf", b""), photo(), upload("setup.exe", EXE)])
    assert [p.split("：")[0] for p in problems(caught)] == ["空.pdf", "setup.exe"]
