from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "omniloop.audit"
    label = "audit"
    verbose_name = "Audit trail"
