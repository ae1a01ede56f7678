from django.urls import path

from omniloop.h5 import views_pay

app_name = "payments"
urlpatterns = [
    path("test/pay/<slug:ref>", views_pay.test_pay, name="test_pay"),
    path("<slug:provider>/notify", views_pay.notify, name="notify"),
]
