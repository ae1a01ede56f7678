from django.urls import path

app_name = "h5"
urlpatterns: list = []
