from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "omniloop.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
