"""The one-click call button, for pages of other apps that show an event."""

from django import template

from gridgov.accounts import permissions

register = template.Library()


@register.inclusion_tag("command/_call_button.html", takes_context=True)
def call_button(context, event):
    user = context["request"].user
    return {
        "event": event,
        "show": event.is_open and permissions.can_on_event(user, permissions.CALL, event),
        "csrf_token": context.get("csrf_token"),
    }
