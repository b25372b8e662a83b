"""The PLUS model-release status a photo's file may state, derived from the consent verdict.

Both the archive export and the write-back into originals put ``plus:ModelReleaseStatus`` into
XMP; they must say the same thing for the same photo on the same day, so the rule lives here
once.
"""

from __future__ import annotations

import datetime as dt

from gallery_app.core.consent.model import USES, PhotoFacts
from gallery_app.core.consent.policy import consent_state

MODEL_RELEASE = {
    "all": "http://ns.useplus.org/ldf/vocab/MR-UMR",
    "some": "http://ns.useplus.org/ldf/vocab/MR-LMR",
    "none": "http://ns.useplus.org/ldf/vocab/MR-NON",
    "not_applicable": "http://ns.useplus.org/ldf/vocab/MR-NAP",
}


def model_release_status(facts: PhotoFacts | None, today: dt.date) -> str | None:
    """PLUS URI: unlimited when everyone shown granted every use, limited when some did,
    none when nobody did, not applicable when the photo shows no identifiable people;
    ``None`` when nobody is tagged and nobody said the photo shows no one."""
    if facts is None:
        return None
    if not facts.people:
        return MODEL_RELEASE["not_applicable"] if facts.no_identifiable_people else None
    granted = [
        consent_state(person, use, today)[0].value == "granted"
        for person in facts.people
        for use in USES
    ]
    if all(granted):
        return MODEL_RELEASE["all"]
    return MODEL_RELEASE["some"] if any(granted) else MODEL_RELEASE["none"]
