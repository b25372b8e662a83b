"""Write-back: the catalog's captions, keywords, people and ratings into the photos' files.

Photographers and archives keep working in Lightroom Classic, Photo Mechanic, Bridge and
digiKam; what staff wrote here has to reach those tools, inside the file (JPEG, PNG, WebP,
TIFF) or in an XMP sidecar (HEIC/HEIF/AVIF, read-only media, or on request). Camera data must
survive untouched, which shapes the design (``shared/research/metadata.md`` §4, README
"Write-back"): XMP is merged as XML, JPEG EXIF gets an append-only IFD0 patch, the IIM is merged
by exiv2 with a current IPTCDigest, and every write is verified before it replaces the file.

Entry points: :func:`write_back` (the use case), :func:`write_state` / :func:`write_states`
(the grid's "changed since written" indicator).
"""

from gallery_app.core.writeback.files import SIDECAR_NAMINGS, WriteFailure
from gallery_app.core.writeback.service import (
    SIDECARS_DIR,
    WriteBackSummary,
    WriteState,
    write_back,
    write_state,
    write_states,
)

__all__ = [
    "SIDECARS_DIR",
    "SIDECAR_NAMINGS",
    "WriteBackSummary",
    "WriteFailure",
    "WriteState",
    "write_back",
    "write_state",
    "write_states",
]
