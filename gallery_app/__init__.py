"""Gallery Curator: event photos in, a captioned, consent-checked web gallery out."""

__version__ = "0.1.0"
