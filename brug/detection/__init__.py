"""brug.detection: a multilingual, explainable signal detector. Imports nothing from Django.

>>> from brug.detection import Detector
>>> Detector.load().score(["..."])  # doctest: +SKIP
"""

from .categories import CATEGORIES, DESCRIPTIONS, MODIFIERS
from .detector import Detector, DetectorError, Result

__all__ = ["CATEGORIES", "DESCRIPTIONS", "MODIFIERS", "Detector", "DetectorError", "Result"]
