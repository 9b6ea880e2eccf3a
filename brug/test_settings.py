"""Settings for the test suite: development secrets, a fast password hasher, no HTTPS."""

import os

os.environ.setdefault("BRUG_TESTING", "1")
os.environ.setdefault("BRUG_HTTPS", "0")

from brug.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                    "django.contrib.auth.hashers.Argon2PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
