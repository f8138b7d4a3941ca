"""What runs in the Celery worker: naming photos, finding example faces, re-running history,
training, and the broker plumbing (the consumer and the embedded file broker)."""
