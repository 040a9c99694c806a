from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "gridgov.analysis"
    verbose_name = "统计分析"
