"""Pages of the one-stop office: the citizen's portal (apply, my dossiers, one dossier), public
tracking, and the officers' workspace (inbox, counter receipt, processing, search, book, stats)."""
