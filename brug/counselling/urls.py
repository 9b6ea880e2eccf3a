"""The counsellor and supervisor side, under /counselling/: one list per part, one namespace."""

from . import urls_conversation, urls_schedule, urls_supervision, urls_work

app_name = "counselling"
urlpatterns = [
    *urls_work.urlpatterns,
    *urls_schedule.urlpatterns,
    *urls_supervision.urlpatterns,
    *urls_conversation.urlpatterns,
]
