from django.urls import path

from . import views

app_name = "sources"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("new/", views.source_create_view, name="create"),
    path("<int:pk>/", views.source_detail, name="detail"),
    path("<int:pk>/mandate/", views.source_mandate, name="mandate"),
    path("<int:pk>/activate/", views.source_activate_view, name="activate"),
    path("<int:pk>/deactivate/", views.source_deactivate_view, name="deactivate"),
    path("<int:pk>/upload/", views.source_upload, name="upload"),
    path("<int:pk>/token/", views.source_token, name="token"),
    path("imports/<int:pk>/", views.import_report, name="import"),
]
