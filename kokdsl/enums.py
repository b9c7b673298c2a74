"""The closed sets of words the pipeline passes between stages.

StrEnums, so each member is also its string value: it serialises, formats and
compares as the plain word ("met", "skall", "approved") in JSON, templates and
message keys, while code compares members by identity safely.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """One requirement's outcome for one centre."""

    MET = "met"
    NOT_MET = "not_met"
    CANNOT_ASSESS = "cannot_assess"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"  # "undantag": set only by a region's waiver (followup/waivers.py), never by evaluation


class Modality(StrEnum):
    """How binding a requirement is: skall (shall) or bör (should)."""

    SHALL = "skall"
    SHOULD = "bör"


class DecisionKind(StrEnum):
    """The proposed decision for a centre."""

    APPROVED = "approved"
    REJECTION = "rejection"
    SUPPLEMENT_REQUEST = "supplement_request"
