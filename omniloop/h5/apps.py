from django.apps import AppConfig


class H5Config(AppConfig):
    name = "omniloop.h5"
    label = "h5"
    verbose_name = "H5"
