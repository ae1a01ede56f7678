from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

from omniloop.api.main import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("omniloop.h5.urls")),
    # The web mall: the same member pages under /shop/ (h5.mall); payments' provider-facing
    # endpoints and the test provider's pay page.
    path("shop/", include("omniloop.h5.urls_shop", namespace="shop")),
    path("payments/", include("omniloop.h5.urls_payments")),
    path("dashboard/", include("omniloop.dashboard.urls")),
    path("wechat/", include("omniloop.wechat.urls")),
    path("inbox/", include("omniloop.inbox.urls")),
]
if settings.OMNILOOP_SERVE_MEDIA:
    # The embedded default serves uploaded photos itself; production puts them behind the
    # web server or object storage and turns this off.
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )
