from django.apps import AppConfig


class BulkImportConfig(AppConfig):
    name = "omniloop.bulkimport"
    label = "bulkimport"
    verbose_name = "Bulk import of history"
