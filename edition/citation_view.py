"""Turn a record's citation block into what outputs show: fields, formatted styles, QR code."""

from __future__ import annotations


def citation_view(record, sidecar, settings):
    """Return (view or None, diagnostics) for the record's citation."""
    return None, []
