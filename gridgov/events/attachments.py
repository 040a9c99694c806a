"""Photos and files attached to events: type checked by content, size limited, stored
through Django's storage API, and served only to those who may see their event."""

from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.events.models import EVENT_CODE, Attachment, Event, EventLog

# What a file's first bytes must be for each accepted type; the name and the browser's
# content type are not trusted.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "video/mp4": (b"\x00\x00\x00",),
}
EXTENSIONS = {
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {".docx"},
    "video/mp4": {".mp4"},
}

Upload = UploadedFile


def sniff(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    suffix = PurePath(upload.name or "").suffix.lower()
    for content_type, signatures in SIGNATURES.items():
        if suffix in EXTENSIONS[content_type] and any(head.startswith(s) for s in signatures):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            if content_type == "video/mp4" and head[4:8] != b"ftyp":
                continue
            return content_type
    return None


def check_uploads(uploads: Sequence[UploadedFile], field: str = "photos") -> list[str]:
    """Validate every upload at once; return their content types."""
    if len(uploads) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError({field: f"最多上传 {settings.ATTACHMENT_MAX_FILES} 个文件"})
    types, problems = [], []
    for upload in uploads:
        name = upload.name or "未命名文件"
        if upload.size == 0:
            problems.append(f"{name}：文件为空")
        elif upload.size > settings.ATTACHMENT_MAX_BYTES:
            problems.append(f"{name}：超过 {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB")
        else:
            content_type = sniff(upload)
            if content_type is None:
                problems.append(f"{name}：不支持的文件类型（可上传 JPG、PNG、WebP 图片，PDF、DOCX 文件或 MP4 视频）")
            types.append(content_type)
    if problems:
        raise ValidationError({field: problems})
    return types


def attach(
    event: Event, row: EventLog | None, uploads: Sequence[UploadedFile], *, by: User, at: datetime
) -> list[Attachment]:
    types = check_uploads(uploads)
    saved = []
    for upload, content_type in zip(uploads, types, strict=True):
        attachment = Attachment(
            event=event, log=row, original_name=(upload.name or "file")[-200:], content_type=content_type,
            size=upload.size, uploaded_by=by, uploaded_at=at,
        )
        attachment.file.save(PurePath(upload.name or "file").name[-80:], upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def attachment_for(user: User, *, code: str, pk: int | str) -> Attachment:
    """The file `pk` of the event `code`, if the user may see that event; 404 otherwise,
    so neither the event nor the file is revealed. The page and the API both fetch files
    through here: files are never on a public URL."""
    if not EVENT_CODE.fullmatch(code):
        raise Http404("文件不存在")
    attachment = get_object_or_404(Attachment.objects.select_related("event"), pk=pk, event__code=code)
    permissions.require(user, permissions.VIEW, attachment.event)
    return attachment


def file_response(attachment: Attachment) -> FileResponse:
    """The file's bytes: images shown inline, other files downloaded under their name."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件已不存在") from exc
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response
