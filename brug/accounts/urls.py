from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("verify/", views.verify_view, name="verify"),
    path("setup/", views.setup_view, name="setup"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/password/", views.password_view, name="password"),
    path("profile/backup-codes/", views.backup_codes_view, name="backup_codes"),
    path("profile/devices/<int:device_id>/remove/", views.device_remove_view,
         name="device_remove"),
]
