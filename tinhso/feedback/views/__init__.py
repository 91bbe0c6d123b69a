"""Pages of citizen field reports, mounted at ``/phan-anh/`` (see docs/feedback.md, "Pages"):
:mod:`.public` (map, list, a report's public page), :mod:`.citizen` (submitting, one's own
reports) and :mod:`.workspace` (the officers' inbox and handling page)."""
