"""What a photo desk needs beyond the recognizer: names written into the files, event exports
and hot-folder ingest."""
