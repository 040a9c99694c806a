from django.apps import AppConfig


class WorktimeConfig(AppConfig):
    name = "gridgov.worktime"
    verbose_name = "工作时间"

    def ready(self) -> None:
        from gridgov.worktime import checks  # noqa: F401  (registers the settings check)
