"""The worker's broker consumer: Celery's own, except that it survives losing Redis while it
holds a task.

With Celery 5.7 and the Redis transport, when the broker goes away while the worker holds an
unacknowledged task (a running one, since tasks acknowledge late, or a retry waiting for its
countdown), the consumer first collects the broken connection, which drops its transport, and
then closes it; closing tries to give the held tasks back through the dropped transport and
raises ``AttributeError: 'NoneType' object has no attribute 'hostname'``. Celery treats that as
an unrecoverable error and the whole worker exits.

Here that error is logged and the consumer reconnects as it does after any other connection
error. Nothing is lost: the held tasks are still in Redis's set of unacknowledged tasks, which
it hands out again after the visibility timeout, and a redelivered task whose prediction is
already finished does nothing (``Prediction.objects.claim``).
"""

import logging

from celery.worker.consumer import Consumer as CeleryConsumer

logger = logging.getLogger(__name__)


class Consumer(CeleryConsumer):
    def on_connection_error_after_connected(self, exc):
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError:
            logger.warning(
                "Could not give the tasks this worker holds back to the broker; it hands them "
                "out again after the visibility timeout.",
                exc_info=True,
            )
