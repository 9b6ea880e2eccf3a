from django.urls import path

from . import views, views_processes

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("open/", views.case_open, name="open"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/consent/", views.consent, name="consent"),
    path("<int:pk>/goals/", views.goal_add, name="goal_add"),
    path("goals/<int:pk>/", views.goal_update, name="goal_update"),
    path("<int:pk>/team/", views.team, name="team"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/diagram.bpmn", views.case_diagram, name="diagram"),
    path("inbox/", views.inbox, name="inbox"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("processes/", views_processes.process_list, name="processes"),
    path("processes/upload/", views_processes.process_upload, name="process_upload"),
    path("processes/<int:pk>/", views_processes.process_detail, name="process"),
    path("processes/<int:pk>/diagram.bpmn", views_processes.process_diagram,
         name="process_diagram"),
    path("report/", views_processes.report, name="report"),
]
