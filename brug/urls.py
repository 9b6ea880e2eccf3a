"""Brug's URLs: one include per app. The Django admin is for administrators only."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("brug.web.urls")),
    path("accounts/", include("brug.accounts.urls")),
    path("sources/", include("brug.sources.urls")),
    path("review/", include("brug.review.urls")),
    path("audit/", include("brug.audit.urls")),
    path("privacy/", include("brug.privacy.urls")),
    path("partners/", include("brug.partners.urls")),
    path("cases/", include("brug.cases.urls")),
    path("counselling/", include("brug.counselling.urls")),
    path("help/", include("brug.counselling.portal_urls")),
    path("api/", include("brug.sources.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
