"""Putting a service's ValidationError onto the form the user filled in."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.Form, error: ValidationError, *, rename: dict[str, str] | None = None
) -> None:
    """Attach each message to the form field it names (after `rename`), or to the form as a
    whole when the form has no such field, so that no message is lost."""
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        field = rename.get(field, field)
        form.add_error(field if field in form.fields else None, messages)
