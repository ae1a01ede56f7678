from django.urls import path

from omniloop.wechat import views

app_name = "wechat"
urlpatterns = [path("callback", views.callback, name="callback")]
