from django.urls import path

from omniloop.messaging import views

app_name = "messaging"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("c/<str:token>/", views.click, name="click"),
    path("o/<str:token>/", views.open_pixel, name="open"),
    path("hooks/sms/receipts/", views.sms_receipts, name="sms_receipts"),
    path("hooks/sms/replies/", views.sms_replies, name="sms_replies"),
    path("hooks/email/feedback/", views.email_feedback, name="email_feedback"),
]
