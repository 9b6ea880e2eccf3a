from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("offers/", views.offer_list, name="offers"),
    path("offers/new/", views.offer_create_view, name="offer_create"),
    path("offers/<int:pk>/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/capacity/", views.offer_capacity, name="offer_capacity"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/end/", views.agreement_end_view, name="agreement_end"),
]
