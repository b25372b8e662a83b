"""The verdict: may this photo be used for this use, and why (or why not)?

This module is the one place where the consent rules live. The CLI report, the desktop app's
badges and the exporter all ask it, so a rule is changed here or nowhere. Everything is a pure
function of the data in :mod:`gallery_app.core.consent.model` and the day asked about: no
catalog, no clock, no I/O, which is what lets the property-based tests throw thousands of
random registers and histories at it.

Step 1 — one person's state for one use (:func:`consent_state`)
---------------------------------------------------------------

Consent is a history, so only the person's **latest record that covers the use** counts (the
"governing" record). A newer grant after a withdrawal means the person consented again; a
newer refusal after a grant means they changed their mind.

"Latest" is a total order, so the answer never depends on the order records were loaded in:

1. by ``recorded_at`` (the instant; a naive timestamp is read as UTC);
2. within one instant, records with an ``id`` by ``id``, then records without one (not yet
   stored, so entered after every stored record);
3. records still tied: the more cautious one governs — withdrawn over refused over granted;
4. still tied: a fixed, arbitrary order of the remaining fields.

=============================================  ===============
Governing record for the use                   State
=============================================  ===============
none (no record mentions the use)              UNKNOWN
withdrawn                                      WITHDRAWN
refused                                        REFUSED
granted, ``valid_until`` < today               EXPIRED
granted, ``valid_from`` > today                NOT_YET_VALID
granted, otherwise (``valid_until`` == today   GRANTED
is still valid; ``None`` means no bound)
=============================================  ===============

Step 2 — the verdict for one photo and one use (:func:`decide`)
---------------------------------------------------------------

The first row that applies wins. "Shown" means tagged on the photo.

=====  ==============================================  ==============  ============================
Row    Situation                                       Verdict         Reasons (by person's name)
=====  ==============================================  ==============  ============================
1      someone shown is REFUSED                        BLOCKED         "Ana Müller refused consent
                                                                       for web use (evidence: form
                                                                       F-12)"
1      someone shown is WITHDRAWN                      BLOCKED         "Ana Müller withdrew consent
                                                                       on 2026-11-02"
1      someone shown is EXPIRED                        BLOCKED         "Ana Müller's consent for
                                                                       web use expired on
                                                                       2026-06-30"
2      someone shown is UNKNOWN                        NEEDS_REVIEW    "consent of Sam Lee for web
                                                                       use is unknown"
2      someone shown is NOT_YET_VALID                  NEEDS_REVIEW    "Sam Lee's consent for web
                                                                       use starts on 2026-12-01"
2      a minor shown whose governing grant names no    NEEDS_REVIEW    "Kit Lee is a minor and no
       guardian                                                        parent or guardian gave
                                                                       their consent"
2      nobody tagged, photo not marked "no             NEEDS_REVIEW    "no people are tagged and
       identifiable people"                                            the photo is not marked as
                                                                       showing no identifiable
                                                                       people"
3      row 2 applies and an override for this use was  CLEARED         "reviewed by jo: <override
       given for exactly these reasons                                 reason>", then the row-2
                                                                       reasons
4      people tagged, everyone GRANTED (minors with a  CLEARED         "everyone shown consented to
       guardian)                                                       web use: Ana Müller, Sam
                                                                       Lee"
4      nobody tagged, photo marked "no identifiable    CLEARED         "marked as showing no
       people"                                                         identifiable people"
=====  ==============================================  ==============  ============================

Details that matter:

* A blocked verdict lists only the blocking reasons, one per person: those are what must be
  resolved first, and no review can lift them. Overrides never apply to it.
* A needs-review verdict lists every row-2 reason: a minor whose grant has not started yet
  and names no guardian gets both, because the reviewer signs off on both.
* An override holds only while the photo needs review for *exactly* the reasons the reviewer saw
  (``Override.reasons`` equals the set of current row-2 reasons). Tag someone whose consent
  is in question, or let a grant lapse, and it goes stale and is silently ignored (tagging
  someone who did consent changes nothing the reviewer saw). If several match, the latest wins (by
  ``at``; overrides without a time count as oldest).
* When people are tagged, the "no identifiable people" marker is ignored: the tags say more.
* A withdrawal's date is its ``valid_from`` or, failing that, the day it was recorded. A
  withdrawal or refusal needs no validity window: it holds from the moment it is recorded.
* Evidence is quoted for refusals and withdrawals when the record has any.
* Reasons are deterministic: people are ordered by name (case-insensitively), then by id, and
  the order of ``photo.people``, of a person's records and of the overrides changes nothing.
* People are named by their name; when two different people on the photo share a name
  (ignoring case), each gets their register id too — "Ana Müller (id 4)" — so that the reasons
  stay one per person and an override cannot silently cover a newly tagged namesake.
* An unknown use raises :class:`ValueError` — a typo must not quietly pass as "no consent".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from gallery_app.core.consent.model import (
    USES,
    ConsentRecord,
    ConsentState,
    ConsentStatus,
    Decision,
    Override,
    PersonConsent,
    PhotoFacts,
    Verdict,
)

__all__ = ["BLOCKING_STATES", "consent_state", "decide", "decide_all"]

BLOCKING_STATES: frozenset[ConsentState] = frozenset(
    {ConsentState.REFUSED, ConsentState.WITHDRAWN, ConsentState.EXPIRED}
)
"""States that block a photo for a use; no review can lift them."""

NO_PEOPLE_TAGGED = (
    "no people are tagged and the photo is not marked as showing no identifiable people"
)
MARKED_NO_PEOPLE = "marked as showing no identifiable people"

# Within one instant and id, the more cautious record governs.
_CAUTION: dict[ConsentStatus, int] = {
    ConsentStatus.GRANTED: 0,
    ConsentStatus.REFUSED: 1,
    ConsentStatus.WITHDRAWN: 2,
}

_RecordKey = tuple[
    dt.datetime,  # the instant recorded
    bool,  # no id yet: after every stored record of the same instant
    int,  # id
    int,  # caution
    tuple[bool, dt.date],  # valid_from
    tuple[bool, dt.date],  # valid_until
    tuple[str, ...],  # uses
    str,  # evidence
    str,  # guardian
    str,  # recorded_by
    float,  # UTC offset: the same instant written in two zones still orders the same way
]

_PersonKey = tuple[str, str, int]


def consent_state(
    person: PersonConsent, use: str, today: dt.date
) -> tuple[ConsentState, ConsentRecord | None]:
    """What holds for ``person`` and ``use`` on ``today``, and the record it comes from.

    The record is returned so that reasons can quote its evidence and dates, and so that the
    minor rule can look at *the* grant that governs rather than at any grant ever given.
    Returns ``(UNKNOWN, None)`` when no record covers the use.

    Raises:
        ValueError: ``use`` is not one of :data:`~gallery_app.core.consent.model.USES`.
    """
    _check_use(use)
    day = _as_date(today)
    covering = [record for record in person.records if use in record.uses]
    if not covering:
        return ConsentState.UNKNOWN, None
    record = max(covering, key=_record_key)
    status = ConsentStatus(record.status)
    if status is ConsentStatus.WITHDRAWN:
        return ConsentState.WITHDRAWN, record
    if status is ConsentStatus.REFUSED:
        return ConsentState.REFUSED, record
    if record.valid_until is not None and _as_date(record.valid_until) < day:
        return ConsentState.EXPIRED, record
    if record.valid_from is not None and _as_date(record.valid_from) > day:
        return ConsentState.NOT_YET_VALID, record
    return ConsentState.GRANTED, record


def decide(photo: PhotoFacts, use: str, today: dt.date) -> Decision:
    """The verdict for ``photo`` and ``use`` on ``today``, following the table above.

    Raises:
        ValueError: ``use`` is not one of :data:`~gallery_app.core.consent.model.USES`.
    """
    _check_use(use)
    decision = _decide_without_overrides(photo, use, _as_date(today))
    if decision.verdict is not Verdict.NEEDS_REVIEW:
        return decision
    override = _matching_override(photo.overrides, use, frozenset(decision.reasons))
    if override is None:
        return decision
    return Decision(
        verdict=Verdict.CLEARED,
        reasons=(_override_reason(override), *decision.reasons),
        overridden=override,
    )


def decide_all(photo: PhotoFacts, today: dt.date) -> dict[str, Decision]:
    """The verdict for every use, in the order of :data:`USES` (what a report shows)."""
    return {use: decide(photo, use, today) for use in USES}


# --- the verdict, before overrides -------------------------------------------------------------


def _decide_without_overrides(photo: PhotoFacts, use: str, today: dt.date) -> Decision:
    if not photo.people:
        if photo.no_identifiable_people:
            return Decision(Verdict.CLEARED, (MARKED_NO_PEOPLE,))
        return Decision(Verdict.NEEDS_REVIEW, (NO_PEOPLE_TAGGED,))

    blocking: set[tuple[_PersonKey, str]] = set()
    review: set[tuple[_PersonKey, str]] = set()
    consented: set[tuple[_PersonKey, str]] = set()
    labels = _labels(photo.people)
    for person in photo.people:
        key = _person_key(person)
        name = labels[person.person_id, person.name]
        state, record = consent_state(person, use, today)
        if record is None:  # UNKNOWN: nothing was ever recorded for this use
            review.add((key, f"consent of {name} for {use} use is unknown"))
        elif state in BLOCKING_STATES:
            blocking.add((key, _blocking_reason(name, use, state, record)))
        else:  # GRANTED or NOT_YET_VALID: the governing record is a grant
            if state is ConsentState.NOT_YET_VALID:
                starts = _optional_date(record.valid_from)[1]
                review.add((key, f"{name}'s consent for {use} use starts on {starts}"))
            if person.minor and not _filled(record.guardian):
                review.add((key, f"{name} is a minor and no parent or guardian gave their consent"))
            consented.add((key, name))

    if blocking:
        return Decision(Verdict.BLOCKED, _in_order(blocking))
    if review:
        return Decision(Verdict.NEEDS_REVIEW, _in_order(review))
    names = ", ".join(_in_order(consented))
    return Decision(Verdict.CLEARED, (f"everyone shown consented to {use} use: {names}",))


def _blocking_reason(name: str, use: str, state: ConsentState, record: ConsentRecord) -> str:
    if state is ConsentState.REFUSED:
        return f"{name} refused consent for {use} use{_evidence(record)}"
    if state is ConsentState.WITHDRAWN:
        has_from, valid_from = _optional_date(record.valid_from)
        on = valid_from if has_from else _as_date(record.recorded_at)
        return f"{name} withdrew consent on {on}{_evidence(record)}"
    assert record.valid_until is not None  # EXPIRED needs an end date
    return f"{name}'s consent for {use} use expired on {_as_date(record.valid_until)}"


def _evidence(record: ConsentRecord) -> str:
    evidence = (record.evidence or "").strip()
    return f" (evidence: {evidence})" if evidence else ""


def _in_order(pairs: Iterable[tuple[_PersonKey, str]]) -> tuple[str, ...]:
    """The texts ordered by person, then text: independent of the order people were tagged."""
    return tuple(text for _, text in sorted(pairs))


def _labels(people: Iterable[PersonConsent]) -> dict[tuple[int, str], str]:
    """How each person is named in the reasons: their name, plus their id if it is ambiguous.

    Two different people called "Ana Müller" on one photo must not collapse into one reason:
    the reviewer could not tell them apart, and an override given while one was tagged would
    still match after the second was tagged too.
    """
    distinct = {(person.person_id, person.name) for person in people}
    counts = Counter(name.casefold() for _, name in distinct)
    return {
        (person_id, name): name if counts[name.casefold()] == 1 else f"{name} (id {person_id})"
        for person_id, name in distinct
    }


def _person_key(person: PersonConsent) -> _PersonKey:
    return (person.name.casefold(), person.name, person.person_id)


# --- overrides ---------------------------------------------------------------------------------


def _matching_override(
    overrides: Iterable[Override], use: str, reasons: frozenset[str]
) -> Override | None:
    """The latest override for ``use`` given for exactly ``reasons``, if any."""
    matching = [o for o in overrides if o.use == use and frozenset(o.reasons) == reasons]
    if not matching:
        return None
    return max(matching, key=_override_key)


def _override_key(override: Override) -> tuple[bool, dt.datetime, str, str]:
    at = override.at
    instant = _instant(at) if at is not None else dt.datetime.min.replace(tzinfo=dt.UTC)
    return (at is not None, instant, override.by, override.reason)


def _override_reason(override: Override) -> str:
    who = f"reviewed by {override.by.strip()}" if _filled(override.by) else "reviewed"
    return f"{who}: {override.reason.strip()}" if _filled(override.reason) else who


# --- ordering records --------------------------------------------------------------------------


def _record_key(record: ConsentRecord) -> _RecordKey:
    """Total order of records: later (or, when tied, more cautious) records sort last."""
    offset = record.recorded_at.utcoffset()
    return (
        _instant(record.recorded_at),
        record.id is None,
        record.id if record.id is not None else 0,
        _CAUTION[ConsentStatus(record.status)],
        _optional_date(record.valid_from),
        _optional_date(record.valid_until),
        tuple(sorted(record.uses)),
        record.evidence or "",
        record.guardian or "",
        record.recorded_by,
        offset.total_seconds() if offset is not None else 0.0,
    )


def _instant(moment: dt.datetime) -> dt.datetime:
    """An aware datetime to compare by; naive ones (which the model forbids) are taken as UTC.

    Comparing naive with aware datetimes raises, and a verdict must not crash on one bad row.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _optional_date(day: dt.date | None) -> tuple[bool, dt.date]:
    return (False, dt.date.min) if day is None else (True, _as_date(day))


def _as_date(day: dt.date) -> dt.date:
    """A plain date: a datetime slipped in for a date would make ``<`` raise."""
    return day.date() if isinstance(day, dt.datetime) else day


def _filled(text: str | None) -> bool:
    return text is not None and text.strip() != ""


def _check_use(use: str) -> None:
    if use not in USES:
        raise ValueError(f"unknown use {use!r}: expected one of {', '.join(USES)}")
