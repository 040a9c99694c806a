from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "gridgov.mediation"
    verbose_name = "矛盾纠纷调解"
