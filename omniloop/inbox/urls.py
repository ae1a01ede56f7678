from django.urls import path

from omniloop.inbox import views

app_name = "inbox"
urlpatterns = [path("hooks/mentions", views.mentions_hook, name="mentions_hook")]
