from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "gridgov.events"
    verbose_name = "事件"
