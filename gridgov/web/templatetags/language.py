from django import template
from django.utils.translation import to_locale

register = template.Library()


@register.filter
def html_lang(language_code: str) -> str:
    """'zh-hans' -> 'zh-Hans', 'en-us' -> 'en-US': the BCP 47 casing `<html lang>` uses."""
    return to_locale(language_code).replace("_", "-")
