"""Root URL configuration, plus the console app's own pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from console.views import auth

handler403 = "console.views.auth.error_403"
handler404 = "console.views.auth.error_404"

console_patterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("region/", auth.region_switch, name="region_switch"),
    path("credentials/", auth.credentials, name="credentials"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((console_patterns, "console"))),
    path("ims/", include("ims.urls")),
    path("vaults/", include("vaults.urls")),
]
