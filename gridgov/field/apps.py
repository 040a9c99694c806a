from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "gridgov.field"
    verbose_name = "外业巡查"
