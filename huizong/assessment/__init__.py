"""The quarterly assessment (考核) of an office's units, its 通报 workbook and its 督办函 letters.

``assess`` scores the units of a set of cycles from the published snapshot (``core``, over ``sql/assessment/``) with
the weights of ``<home>/assessment.toml`` (``weights``); ``write_assessment`` writes the 通报 (``workbook``) and a
letter to each unit at the bottom (``letters``) under ``<home>/out/assessment/``. ``huizong assess`` is in
``commands``.
"""

from huizong.assessment.core import OUTCOMES, Assessment, assess, resolve_cycles
from huizong.assessment.letters import Letter, compose, write_letter
from huizong.assessment.output import Written, folder_of, issuer_of, letters_of, write_assessment
from huizong.assessment.weights import CRITERIA, DEFAULTS, Weights, load_weights
from huizong.assessment.workbook import write_notice

__all__ = [
    "CRITERIA",
    "DEFAULTS",
    "OUTCOMES",
    "Assessment",
    "Letter",
    "Weights",
    "Written",
    "assess",
    "compose",
    "folder_of",
    "issuer_of",
    "letters_of",
    "load_weights",
    "resolve_cycles",
    "write_assessment",
    "write_letter",
    "write_notice",
]
