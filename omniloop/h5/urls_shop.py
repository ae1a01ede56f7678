"""The web mall (官网商城): the member pages again under `/shop/`, instance namespace `shop`
of the app namespace `h5` (`h5.mall`)."""

from omniloop.h5.urls import member_pages

app_name = "h5"
urlpatterns = member_pages("")
