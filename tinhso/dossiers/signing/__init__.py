"""Digitally signed results of the one-stop office (PAdES signatures in PDF).

* ``verification``: what a result PDF's embedded signatures are worth (intact, trusted, coverage);
  ``attach_result`` calls it before anything is stored.
* ``services.sign_result_document``: a leader's personal signature, then the organisation's, as
  incremental PAdES signatures with visible stamps (``stamps``), keys from a ``keystore``.
* ``certificates``: X.509 helpers and the demo certification authority
  (``tinhso dossiers signing demo-ca``).

This package is imported lazily: only ``permissions`` is loaded at start-up (pyHanko is heavy).
See docs/onestop.md, "Signed results".
"""
