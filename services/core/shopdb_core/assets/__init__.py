"""Generic assets: the record every domain service hangs its details on."""
