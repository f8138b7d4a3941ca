"""The web process's plumbing: request limits, throttling, pagination, sign-in protection,
error pages, media and health views, storage and the queue's health."""
