"""The client portal, under /help/: one list per part, one namespace."""

from . import (
    portal_urls_account,
    portal_urls_booking,
    portal_urls_care_client,
    portal_urls_conversation,
)

app_name = "portal"
urlpatterns = [
    *portal_urls_account.urlpatterns,
    *portal_urls_booking.urlpatterns,
    *portal_urls_conversation.urlpatterns,
    *portal_urls_care_client.urlpatterns,
]
