from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "omniloop.workbench"
    label = "workbench"
    verbose_name = "The assistant's workbench"

    def ready(self) -> None:
        from omniloop.workbench import message_templates, privacy  # noqa: F401 (registrations)
