from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("signals/<int:signal_id>/", views.signal_detail, name="signal"),
    path("signals/<int:signal_id>/decide/", views.decide, name="decide"),
    path("decisions/<int:decision_id>/confirm/", views.confirm, name="confirm"),
    path("exposure/", views.exposure, name="exposure"),
    path("break-later/", views.break_later, name="break_later"),
    path("export/labels.jsonl", views.export, name="export"),
]
