from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "omniloop.members"
    label = "members"
    verbose_name = "Members"
