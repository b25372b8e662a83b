"""The vocabulary of consent: records, uses, verdicts — plain data shared by every layer.

A person's consent is a *history* of records, never a field that gets overwritten: a form
signed in March, a refusal by email in May and a withdrawal in November are three records, and
what holds today is derived from them (:func:`gallery_app.core.consent.policy.consent_state`).
That history is what a data-protection officer asks for when someone complains.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

USES: tuple[str, ...] = ("web", "social", "print", "internal")
"""What a photo may be used for. Consent is given (or refused) per use."""

ROLES: tuple[str, ...] = ("speaker", "delegate", "staff", "volunteer", "press", "other")


class ConsentStatus(StrEnum):
    """What one consent record says."""

    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ConsentState(StrEnum):
    """What holds for one person and one use on one day, derived from their records."""

    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    """May this photo be used for this use?"""

    CLEARED = "cleared"
    NEEDS_REVIEW = "needs_review"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class ConsentRecord:
    """One statement of consent, as recorded; never changed afterwards.

    Attributes:
        status: granted, refused or withdrawn.
        uses: the uses it speaks about (a withdrawal normally names all of them).
        valid_from: first day it holds (``None``: from the day it was recorded).
        valid_until: last day it holds (``None``: no end).
        evidence: where it comes from: a form id, "registration CSV row 12", free text.
        guardian: for a minor, the parent or guardian who gave it.
        recorded_by: who entered it (operating-system user).
        recorded_at: when it was entered (timezone-aware).
        id: the catalog row id (``None`` before it is stored).
    """

    status: ConsentStatus
    uses: frozenset[str]
    recorded_at: dt.datetime
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    evidence: str | None = None
    guardian: str | None = None
    recorded_by: str = ""
    id: int | None = None


@dataclass(frozen=True)
class PersonConsent:
    """A person as the verdict sees them: who, whether a minor, and their consent history."""

    person_id: int
    name: str
    minor: bool = False
    records: tuple[ConsentRecord, ...] = ()


@dataclass(frozen=True)
class Override:
    """A reviewer's decision that a needs-review photo may be used for one use anyway.

    It holds only while the photo needs review for exactly the reasons the reviewer saw
    (``reasons``): tag someone new, or let someone's consent lapse, and it no longer applies.
    A blocked photo can never be overridden.
    """

    use: str
    reason: str
    reasons: frozenset[str]
    by: str = ""
    at: dt.datetime | None = None


@dataclass(frozen=True)
class PhotoFacts:
    """Everything the verdict for one photo depends on."""

    photo_id: int
    people: tuple[PersonConsent, ...] = ()
    no_identifiable_people: bool = False
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The verdict for one photo and one use, with the reasons in plain words."""

    verdict: Verdict
    reasons: tuple[str, ...] = field(default_factory=tuple)
    overridden: Override | None = None
