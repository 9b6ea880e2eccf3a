"""Client portal routes: conversation part (included by portal_urls)."""

from django.urls import URLPattern, path

from . import portal_views_conversation as views

urlpatterns: list[URLPattern] = [
    path("conversation/<int:engagement_id>/", views.conversation, name="conversation"),
    path("conversation/<int:engagement_id>/send/", views.conversation_send,
         name="conversation_send"),
]
