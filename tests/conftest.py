"""Shared fixtures. Tests never need ../shared or the network."""

from __future__ import annotations

import pytest

from brug.detection import Detector


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector.load()
