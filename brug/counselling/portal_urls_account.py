"""Client portal routes: account part (included by portal_urls)."""

from django.urls import URLPattern, path

from . import portal_views_account as views

urlpatterns: list[URLPattern] = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("exit/", views.quick_exit, name="exit"),
    path("privacy/", views.privacy, name="privacy"),
    path("home/", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("account/settings/", views.account_settings, name="account_settings"),
    path("account/preferences/", views.account_preferences, name="account_preferences"),
    path("account/contact/", views.account_contact, name="account_contact"),
    path("account/contact/remove/", views.account_contact_remove,
         name="account_contact_remove"),
    path("account/passphrase/", views.passphrase, name="passphrase"),
    path("account/delete/", views.delete, name="delete"),
]
