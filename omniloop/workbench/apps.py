from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "omniloop.workbench"
    label = "workbench"
    verbose_name = "The assistant's workbench"
