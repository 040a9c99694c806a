from django import template

register = template.Library()


@register.inclusion_tag("mediation/_event_link.html", takes_context=True)
def mediation_link(context, event):
    """On an event's page: the case it became, or the button that makes it one."""
    from gridgov.mediation.views.cases import event_link

    return {"event": event, "csrf_token": context.get("csrf_token"), **event_link(context["request"].user, event)}
