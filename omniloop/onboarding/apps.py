from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "omniloop.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"
