from django.contrib import admin
from django.urls import include, path

from linli.api.api import api
from linli.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", core_views.logout_view, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", core_views.audit_log, name="audit_log"),
    path("registry/", include("linli.registry.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
