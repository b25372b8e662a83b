"""The consent rules: random registers and histories, plus hand-made cases with exact wording.

The property tests are the safety net the issue asks for: whatever the register, the history
and the day, a photo showing someone who refused, withdrew or whose consent expired is never
cleared. The example tests pin the exact reason strings, because those are what comms staff
read and what an override is matched against.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from gallery_app.core.consent.policy import (
    BLOCKING_STATES,
    NO_PEOPLE_TAGGED,
    consent_state,
    decide,
    decide_all,
)

# Few distinct values on purpose: ties in recorded_at, validity windows on either side of
# "today", equal names and missing ids all have to come up often.
DAY0 = dt.date(2026, 6, 30)
BASE = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
ZONES = (dt.UTC, dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-5)))
NAMES = ("Ana Müller", "Sam Lee", "Kit Lee", "ana müller", "Zoë O'Brien", "李雷", "Sam Lee")

PROPERTY = settings(max_examples=80, deadline=None)


def _granted(**changes: object) -> ConsentRecord:
    record = ConsentRecord(
        status=ConsentStatus.GRANTED,
        uses=frozenset(USES),
        recorded_at=BASE,
        evidence="form F-3",
        id=1,
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


days = st.integers(-4, 4).map(lambda n: DAY0 + dt.timedelta(days=n))
instants = st.builds(
    lambda hours, zone: (BASE + dt.timedelta(hours=hours)).astimezone(zone),
    st.integers(0, 5),
    st.sampled_from(ZONES),
)
records = st.builds(
    ConsentRecord,
    # Mostly grants, or hardly any photo would ever be cleared.
    status=st.sampled_from((*[ConsentStatus.GRANTED] * 4, *ConsentStatus)),
    uses=st.frozensets(st.sampled_from(USES), min_size=1),
    recorded_at=instants,
    valid_from=st.none() | st.none() | days,
    valid_until=st.none() | st.none() | days,
    evidence=st.none() | st.sampled_from(("form F-12", "", "  ", "registration CSV row 12")),
    guardian=st.none() | st.sampled_from(("Mo Lee", "", " ")),
    recorded_by=st.sampled_from(("", "jo")),
    id=st.none() | st.integers(1, 6),
)
uses = st.sampled_from(USES)


@st.composite
def registers(draw: st.DrawFn, min_size: int = 0) -> list[PersonConsent]:
    """People with distinct ids (names may repeat), some minors, random histories."""
    count = draw(st.integers(min_size, 5))
    people = []
    for person_id in range(1, count + 1):
        history = draw(st.lists(records, max_size=4))
        if draw(st.booleans()):
            # Most real people signed the registration form first: a grant for everything
            # that later records may or may not change. Without it, consent is nearly always
            # unknown for some use and "cleared with people" is rarely reached.
            history.insert(0, _granted(recorded_at=BASE - dt.timedelta(days=1), guardian="Mo Lee"))
        people.append(
            PersonConsent(
                person_id=person_id,
                name=draw(st.sampled_from(NAMES)),
                minor=draw(st.booleans()),
                records=tuple(draw(st.permutations(history))),
            )
        )
    return people


@st.composite
def photos(draw: st.DrawFn, min_people: int = 0) -> PhotoFacts:
    """A photo tagging some of a register, with overrides that sometimes match and often don't.

    Matching overrides are built from the verdict itself: random reason sets would almost never
    equal the current ones, and the override rules would go untested.
    """
    register = draw(registers(min_size=min_people))
    shown = draw(st.permutations(register))
    shown = shown[: draw(st.integers(min_people, len(shown)))]
    photo = PhotoFacts(
        photo_id=draw(st.integers(1, 1000)),
        people=tuple(shown),
        no_identifiable_people=draw(st.booleans()),
    )
    overrides = []
    for use in draw(st.lists(uses, max_size=3)):
        if draw(st.booleans()):
            reasons = frozenset(decide(photo, use, DAY0).reasons)
        else:
            reasons = frozenset(draw(st.lists(st.sampled_from((*NAMES, NO_PEOPLE_TAGGED)))))
        overrides.append(
            Override(
                use=use,
                reason=draw(st.sampled_from(("ok'd by the speaker", "face not visible"))),
                reasons=reasons,
                by=draw(st.sampled_from(("jo", "", "max"))),
                at=draw(st.none() | instants),
            )
        )
    return dataclasses.replace(photo, overrides=tuple(overrides))


def _key(record: ConsentRecord) -> tuple[dt.datetime, bool, int]:
    """The documented order by time and id, without the tie-breaks."""
    return (record.recorded_at, record.id is None, record.id or 0)


def _caution(record: ConsentRecord) -> int:
    return (ConsentStatus.GRANTED, ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN).index(
        record.status
    )


def _has_guardian(record: ConsentRecord | None) -> bool:
    return record is not None and record.guardian is not None and record.guardian.strip() != ""


# --- properties of one person's state ----------------------------------------------------------


@PROPERTY
@given(person=registers(min_size=1).map(lambda r: r[0]), use=uses, today=days)
def test_state_comes_from_the_latest_covering_record(
    person: PersonConsent, use: str, today: dt.date
) -> None:
    state, record = consent_state(person, use, today)
    covering = [r for r in person.records if use in r.uses]
    if not covering:
        assert (state, record) == (ConsentState.UNKNOWN, None)
        return
    assert record in covering
    for other in covering:
        assert _key(other) <= _key(record)
        if _key(other) == _key(record):  # a true tie: the more cautious record governs
            assert _caution(other) <= _caution(record)
    expected = {
        ConsentStatus.WITHDRAWN: ConsentState.WITHDRAWN,
        ConsentStatus.REFUSED: ConsentState.REFUSED,
    }.get(record.status)
    if expected is None:
        if record.valid_until is not None and record.valid_until < today:
            expected = ConsentState.EXPIRED
        elif record.valid_from is not None and record.valid_from > today:
            expected = ConsentState.NOT_YET_VALID
        else:
            expected = ConsentState.GRANTED
    assert state is expected


# --- properties of the verdict -----------------------------------------------------------------
# Each property is checked for every use of each generated photo: generating the photo is what
# costs time, checking it four times is nearly free.


@PROPERTY
@given(photo=photos(), today=days)
def test_anyone_refused_withdrawn_or_expired_blocks_and_nothing_else_does(
    photo: PhotoFacts, today: dt.date
) -> None:
    for use in USES:
        decision = decide(photo, use, today)
        blocked = [p for p in photo.people if consent_state(p, use, today)[0] in BLOCKING_STATES]
        if blocked:
            assert decision.verdict is Verdict.BLOCKED
            assert decision.overridden is None
            # one reason per person concerned, each naming them
            assert len(decision.reasons) == len(blocked)
            for person in blocked:
                assert any(person.name in reason for reason in decision.reasons)
        else:
            assert decision.verdict is not Verdict.BLOCKED


@PROPERTY
@given(photo=photos(), today=days)
def test_cleared_only_for_a_reason_the_rules_allow(photo: PhotoFacts, today: dt.date) -> None:
    for use in USES:
        decision = decide(photo, use, today)
        if decision.verdict is not Verdict.CLEARED:
            assert decision.overridden is None
            continue
        marked_empty = not photo.people and photo.no_identifiable_people
        states = [(p, *consent_state(p, use, today)) for p in photo.people]
        all_consented = bool(photo.people) and all(
            state is ConsentState.GRANTED and (not person.minor or _has_guardian(record))
            for person, state, record in states
        )
        unreviewed = decide(dataclasses.replace(photo, overrides=()), use, today)
        overridden = (
            decision.overridden is not None
            and decision.overridden in photo.overrides
            and decision.overridden.use == use
            and unreviewed.verdict is Verdict.NEEDS_REVIEW
            and decision.overridden.reasons == frozenset(unreviewed.reasons)
        )
        assert marked_empty or all_consented or overridden
        assert (decision.overridden is not None) == overridden


@PROPERTY
@given(photo=photos(min_people=1), today=days, data=st.data())
def test_a_new_refusal_or_withdrawal_blocks(
    photo: PhotoFacts, today: dt.date, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(photo.people) - 1))
    person = photo.people[index]
    latest = max((r.recorded_at for r in person.records), default=BASE)
    # Recorded at the same instant as the latest record (not yet stored, so it counts after
    # it, and is the more cautious if that one has no id either) or any time later.
    later = latest + dt.timedelta(minutes=data.draw(st.integers(0, 90)))
    status = data.draw(st.sampled_from((ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN)))
    zone = data.draw(st.sampled_from(ZONES))
    window = (data.draw(st.none() | days), data.draw(st.none() | days))
    for use in USES:
        new = ConsentRecord(
            status=status,
            uses=frozenset({use}),
            recorded_at=later.astimezone(zone),
            valid_from=window[0],
            valid_until=window[1],
        )
        people = list(photo.people)
        people[index] = dataclasses.replace(person, records=(*person.records, new))
        decision = decide(dataclasses.replace(photo, people=tuple(people)), use, today)
        assert decision.verdict is Verdict.BLOCKED
        assert decision.overridden is None
        assert any(person.name in reason for reason in decision.reasons)


@PROPERTY
@given(photo=photos(), today=days, data=st.data())
def test_the_order_of_people_records_and_overrides_does_not_matter(
    photo: PhotoFacts, today: dt.date, data: st.DataObject
) -> None:
    people = [
        dataclasses.replace(p, records=tuple(data.draw(st.permutations(p.records))))
        for p in data.draw(st.permutations(photo.people))
    ]
    shuffled = dataclasses.replace(
        photo,
        people=tuple(people),
        overrides=tuple(data.draw(st.permutations(photo.overrides))),
    )
    assert decide_all(shuffled, today) == decide_all(photo, today)
    originals = {p.person_id: p for p in photo.people}
    for use in USES:
        for person in people:
            assert consent_state(person, use, today) == consent_state(
                originals[person.person_id], use, today
            )


@PROPERTY
@given(photo=photos(), today=days)
def test_reasons_are_given_and_name_the_people_concerned(photo: PhotoFacts, today: dt.date) -> None:
    for use, decision in decide_all(photo, today).items():
        assert decision.reasons
        assert len(set(decision.reasons)) == len(decision.reasons)
        if decision.verdict is Verdict.CLEARED:
            continue
        for reason in decision.reasons:
            assert reason == NO_PEOPLE_TAGGED or any(p.name in reason for p in photo.people)
        for person in photo.people:
            state, record = consent_state(person, use, today)
            concerned = state is not ConsentState.GRANTED or (
                person.minor and not _has_guardian(record)
            )
            if concerned and (decision.verdict is Verdict.NEEDS_REVIEW or state in BLOCKING_STATES):
                assert any(person.name in reason for reason in decision.reasons), person


@PROPERTY
@given(photo=photos(), today=days)
def test_decide_all_agrees_with_decide(photo: PhotoFacts, today: dt.date) -> None:
    decisions = decide_all(photo, today)
    assert list(decisions) == list(USES)
    for use, decision in decisions.items():
        assert decision == decide(photo, use, today)


@PROPERTY
@given(photo=photos(), today=days)
def test_an_override_clears_exactly_what_was_reviewed_and_goes_stale(
    photo: PhotoFacts, today: dt.date
) -> None:
    bare = dataclasses.replace(photo, overrides=())
    for use in USES:
        before = decide(bare, use, today)
        override = Override(use, "checked with the speaker", frozenset(before.reasons), by="jo")
        after = decide(dataclasses.replace(bare, overrides=(override,)), use, today)
        if before.verdict is not Verdict.NEEDS_REVIEW:
            assert after == before  # overrides never touch cleared or blocked verdicts
            continue
        assert after == Decision(
            Verdict.CLEARED,
            ("reviewed by jo: checked with the speaker", *before.reasons),
            override,
        )
        # Tag someone nobody knows anything about: the reviewer never saw that: stale.
        stranger = PersonConsent(person_id=10_000, name="New Face")
        stale = dataclasses.replace(bare, people=(*bare.people, stranger), overrides=(override,))
        decision = decide(stale, use, today)
        assert decision.verdict is Verdict.NEEDS_REVIEW
        assert decision.overridden is None


@PROPERTY
@given(photo=photos(min_people=1), today=days)
def test_the_no_identifiable_people_marker_is_ignored_when_people_are_tagged(
    photo: PhotoFacts, today: dt.date
) -> None:
    flipped = dataclasses.replace(photo, no_identifiable_people=not photo.no_identifiable_people)
    assert decide_all(flipped, today) == decide_all(photo, today)


# --- examples with the exact wording -----------------------------------------------------------


ANA = PersonConsent(1, "Ana Müller", records=(_granted(),))
SAM = PersonConsent(2, "Sam Lee")  # nothing recorded


def _photo(*people: PersonConsent, marked: bool = False, **changes: object) -> PhotoFacts:
    photo = PhotoFacts(photo_id=7, people=people, no_identifiable_people=marked)
    return dataclasses.replace(photo, **changes)  # type: ignore[arg-type]


def test_everyone_consented_lists_them_by_name() -> None:
    sam = dataclasses.replace(SAM, records=(_granted(),))
    assert decide(_photo(sam, ANA), "web", DAY0) == Decision(
        Verdict.CLEARED, ("everyone shown consented to web use: Ana Müller, Sam Lee",)
    )


def test_blocked_reasons_for_refusal_withdrawal_and_expiry() -> None:
    refused = dataclasses.replace(
        ANA,
        records=(
            *ANA.records,
            _granted(
                status=ConsentStatus.REFUSED,
                uses=frozenset({"web"}),
                evidence="form F-12",
                recorded_at=BASE + dt.timedelta(days=1),
                id=2,
            ),
        ),
    )
    withdrawn = PersonConsent(
        3,
        "Bea Kim",
        records=(
            _granted(),
            _granted(
                status=ConsentStatus.WITHDRAWN,
                evidence=None,
                recorded_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
                id=None,
            ),
        ),
    )
    expired = PersonConsent(4, "Cem Aydın", records=(_granted(valid_until=dt.date(2026, 6, 30)),))
    decision = decide(_photo(withdrawn, expired, refused, SAM), "web", dt.date(2026, 12, 1))
    assert decision == Decision(
        Verdict.BLOCKED,
        (
            "Ana Müller refused consent for web use (evidence: form F-12)",
            "Bea Kim withdrew consent on 2026-11-02",
            "Cem Aydın's consent for web use expired on 2026-06-30",
        ),
    )
    # The refusal was only for the web: print is still fine for Ana.
    assert consent_state(refused, "print", DAY0) == (ConsentState.GRANTED, ANA.records[0])


def test_expiry_is_inclusive_of_the_last_day() -> None:
    ana = dataclasses.replace(ANA, records=(_granted(valid_until=DAY0),))
    assert consent_state(ana, "web", DAY0)[0] is ConsentState.GRANTED
    assert decide(_photo(ana), "web", DAY0).verdict is Verdict.CLEARED
    next_day = DAY0 + dt.timedelta(days=1)
    assert consent_state(ana, "web", next_day)[0] is ConsentState.EXPIRED
    assert decide(_photo(ana), "web", next_day).verdict is Verdict.BLOCKED


def test_not_yet_valid_and_unknown_need_review() -> None:
    later = PersonConsent(5, "Sam Lee", records=(_granted(valid_from=dt.date(2026, 12, 1)),))
    assert decide(_photo(later), "web", DAY0) == Decision(
        Verdict.NEEDS_REVIEW, ("Sam Lee's consent for web use starts on 2026-12-01",)
    )
    assert consent_state(later, "web", dt.date(2026, 12, 1))[0] is ConsentState.GRANTED
    assert decide(_photo(ANA, SAM), "social", DAY0) == Decision(
        Verdict.NEEDS_REVIEW, ("consent of Sam Lee for social use is unknown",)
    )


def test_a_minor_needs_a_guardian_on_the_governing_grant() -> None:
    kit = PersonConsent(6, "Kit Lee", minor=True, records=(_granted(guardian=None),))
    assert decide(_photo(kit), "web", DAY0) == Decision(
        Verdict.NEEDS_REVIEW, ("Kit Lee is a minor and no parent or guardian gave their consent",)
    )
    # An older grant with a guardian does not help: only the latest record counts...
    kit = dataclasses.replace(
        kit, records=(_granted(guardian="Mo Lee", recorded_at=BASE - dt.timedelta(days=9)),)
    )
    assert decide(_photo(kit), "web", DAY0).verdict is Verdict.CLEARED
    stale_then_new = dataclasses.replace(kit, records=(*kit.records, _granted(guardian="  ", id=9)))
    assert decide(_photo(stale_then_new), "web", DAY0).verdict is Verdict.NEEDS_REVIEW


def test_photos_without_tags() -> None:
    assert decide(_photo(), "web", DAY0) == Decision(Verdict.NEEDS_REVIEW, (NO_PEOPLE_TAGGED,))
    assert NO_PEOPLE_TAGGED == (
        "no people are tagged and the photo is not marked as showing no identifiable people"
    )
    assert decide(_photo(marked=True), "web", DAY0) == Decision(
        Verdict.CLEARED, ("marked as showing no identifiable people",)
    )
    # Tags beat the marker.
    assert decide(_photo(SAM, marked=True), "web", DAY0).verdict is Verdict.NEEDS_REVIEW


def test_override_applies_latest_wins_and_goes_stale() -> None:
    reasons = frozenset({"consent of Sam Lee for web use is unknown"})
    first = Override("web", "face turned away", reasons, by="max", at=BASE)
    second = Override("web", "asked on the day", reasons, by="jo", at=BASE + dt.timedelta(hours=1))
    other_use = Override("print", "n/a", reasons, by="jo", at=BASE + dt.timedelta(hours=2))
    photo = _photo(ANA, SAM, overrides=(second, first, other_use))
    assert decide(photo, "web", DAY0) == Decision(
        Verdict.CLEARED,
        ("reviewed by jo: asked on the day", "consent of Sam Lee for web use is unknown"),
        second,
    )
    # An override without a time counts as the oldest.
    undated = Override("web", "legacy import", reasons, by="max")
    photo_undated = dataclasses.replace(photo, overrides=(second, undated))
    assert decide(photo_undated, "web", DAY0).overridden == second
    # The print override was given for web reasons: it matches nothing on print.
    assert decide(photo, "print", DAY0).verdict is Verdict.NEEDS_REVIEW
    # Kit is tagged as well: the reasons changed, the override no longer applies.
    kit = PersonConsent(6, "Kit Lee")
    assert decide(dataclasses.replace(photo, people=(ANA, SAM, kit)), "web", DAY0) == Decision(
        Verdict.NEEDS_REVIEW,
        (
            "consent of Kit Lee for web use is unknown",
            "consent of Sam Lee for web use is unknown",
        ),
    )


def test_blocked_cannot_be_overridden() -> None:
    ana = dataclasses.replace(ANA, records=(_granted(status=ConsentStatus.REFUSED, evidence=None),))
    reasons = frozenset({"Ana Müller refused consent for web use"})
    photo = _photo(ana, overrides=(Override("web", "we really need it", reasons, by="jo"),))
    assert decide(photo, "web", DAY0) == Decision(Verdict.BLOCKED, tuple(reasons))


def test_a_new_grant_after_a_withdrawal_is_consent_again() -> None:
    withdrawal = _granted(status=ConsentStatus.WITHDRAWN, recorded_at=BASE, id=2)
    regrant = _granted(recorded_at=BASE, id=None)  # same instant, not yet stored: counts after
    ana = dataclasses.replace(ANA, records=(regrant, withdrawal))
    assert consent_state(ana, "web", DAY0) == (ConsentState.GRANTED, regrant)
    # Same instant and no ids on either: the cautious one governs.
    tied = dataclasses.replace(ANA, records=(regrant, dataclasses.replace(withdrawal, id=None)))
    assert consent_state(tied, "web", DAY0)[0] is ConsentState.WITHDRAWN


def test_unknown_use_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown use 'webb'"):
        decide(_photo(ANA), "webb", DAY0)
    with pytest.raises(ValueError, match="unknown use"):
        consent_state(ANA, "Web", DAY0)


def test_namesakes_are_told_apart_so_an_override_cannot_cover_a_new_one() -> None:
    first = PersonConsent(4, "Ana Müller")
    second = PersonConsent(9, "ana müller")
    assert decide(_photo(first), "web", DAY0).reasons == (
        "consent of Ana Müller for web use is unknown",
    )
    assert decide(_photo(second, first), "web", DAY0).reasons == (
        "consent of Ana Müller (id 4) for web use is unknown",
        "consent of ana müller (id 9) for web use is unknown",
    )
    override = Override("web", "ok", frozenset(decide(_photo(first), "web", DAY0).reasons))
    photo = _photo(first, second, overrides=(override,))
    assert decide(photo, "web", DAY0).verdict is Verdict.NEEDS_REVIEW
