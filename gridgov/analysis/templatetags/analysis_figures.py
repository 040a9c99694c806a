from django import template

from gridgov.analysis.assessment import shown

register = template.Library()


@register.filter
def figure(figures: dict, indicator):
    """An indicator's value as the tables show it (rates in %, "—" for none)."""
    return shown(figures.get(indicator.key), indicator)


@register.filter
def indicator_label(key: str) -> str:
    from gridgov.analysis.indicators import BY_KEY

    return BY_KEY[key].label if key in BY_KEY else key


@register.filter
def subject_label(value: str) -> str:
    from gridgov.analysis.models import Subject

    return Subject(value).label
