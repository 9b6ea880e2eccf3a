"""Permission matrix lines for the client portal's account part (brug/counselling/
portal_urls_account.py): public pages before signing in, client pages after.

Staff are not clients: on CLIENT pages every staff role is sent to the portal's sign-in.
None of these pages names one client-owned object (each acts on the signed-in client).
"""

from __future__ import annotations

from .matrix import CLIENT, PUBLIC, Page

PAGES = [
    Page("portal:landing", "get", PUBLIC),
    Page("portal:signup", "get", PUBLIC),
    Page("portal:signin", "get", PUBLIC),
    Page("portal:privacy", "get", PUBLIC),
    # Ends whatever session it is sent with, then leaves for the neutral site.
    Page("portal:exit", "post", PUBLIC),
    Page("portal:signout", "post", CLIENT),
    Page("portal:home", "get", CLIENT),
    Page("portal:account", "get", CLIENT),
    Page("portal:account_settings", "post", CLIENT,
         data=lambda o: {"language": "en", "country": "BE"}),
    Page("portal:account_preferences", "post", CLIENT,
         data=lambda o: {"prefers_formats": ["chat"]}),
    Page("portal:account_contact", "post", CLIENT,
         data=lambda o: {"contact_channel": "Matrix channel", "contact_consent": "on"}),
    Page("portal:account_contact_remove", "post", CLIENT),
    # GET only here: a POST would change the passphrase the other matrix tests sign in with.
    Page("portal:passphrase", "get", CLIENT),
    Page("portal:delete", "get", CLIENT),
]
