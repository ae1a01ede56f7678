from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

from omniloop.api.main import api

urlpatterns = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("omniloop.h5.urls")),
    path("dashboard/", include("omniloop.dashboard.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
