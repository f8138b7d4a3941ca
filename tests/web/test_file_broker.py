"""The embedded broker (classifier/worker/file_broker.py): messages appear whole or not at all,
and a file that is not a message is set aside instead of stopping whoever reads the queue."""

import json
import logging
import os
import sys
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection
from kombu.transport.virtual import BrokerState

from classifier.worker.file_broker import Transport

QUEUE = "celery"


@pytest.fixture
def broker(tmp_path, monkeypatch) -> Path:
    """A new folder, and kombu's record of declared bindings forgotten: a process keeps it for
    one broker folder, and these tests use a new folder each."""
    monkeypatch.setattr(Transport, "global_state", BrokerState())
    return tmp_path / "broker"


def connection(folder: Path, url: str | None = None) -> Connection:
    return Connection(
        url,
        transport=Transport,
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "dead_letter_folder": str(folder / "dead-letter"),
            "polling_interval": 0.01,
        },
    )


def put_file(broker: Path, name: str, data: bytes) -> None:
    """A file named to come before any message sent since the machine started."""
    (broker / "queue" / f"{name}.{QUEUE}.msg").write_bytes(data)


def test_it_sets_aside_an_empty_and_a_garbage_file_and_delivers_the_next_message(broker, caplog):
    with connection(broker) as conn:
        queue = conn.SimpleQueue(QUEUE)
        put_file(broker, "00000000000000000001_empty", b"")
        put_file(broker, "00000000000000000002_garbage", b'{"body": "half a mess')
        put_file(broker, "00000000000000000003_not-a-message", b'["a", "list"]')
        queue.put({"photo": "nadal(3).jpg"})

        with caplog.at_level(logging.ERROR, logger="classifier.worker.file_broker"):
            message = queue.get(timeout=5)
        message.ack()

    assert message.payload == {"photo": "nadal(3).jpg"}
    assert sorted(os.listdir(broker / "dead-letter")) == [
        f"00000000000000000001_empty.{QUEUE}.msg",
        f"00000000000000000002_garbage.{QUEUE}.msg",
        f"00000000000000000003_not-a-message.{QUEUE}.msg",
    ]
    garbage = broker / "dead-letter" / f"00000000000000000002_garbage.{QUEUE}.msg"
    assert garbage.read_bytes() == b'{"body": "half a mess'
    assert os.listdir(broker / "queue") == []
    assert len([r for r in caplog.records if "Set aside a message" in r.getMessage()]) == 3


def test_a_reader_looking_while_a_message_is_written_sees_nothing_then_all_of_it(
    broker, monkeypatch
):
    """What killed the worker: it read a message file the web had created but not yet written."""
    module = sys.modules[Transport.__module__]
    seen_while_writing = []

    def dumps_and_look(payload):
        try:
            seen_while_writing.append(reader.channel._get(QUEUE))
        except Empty:
            seen_while_writing.append("nothing")
        return json.dumps(payload)

    with connection(broker) as reading, connection(broker) as writing:
        reader = reading.SimpleQueue(QUEUE)
        writer = writing.SimpleQueue(QUEUE)
        monkeypatch.setattr(module, "dumps", dumps_and_look)
        writer.put({"photo": "james(2).jpg"})
        monkeypatch.undo()
        message = reader.get(timeout=5)
        message.ack()

    assert seen_while_writing == ["nothing"]
    assert message.payload == {"photo": "james(2).jpg"}


def test_it_delivers_each_producers_messages_in_the_order_they_were_sent(broker):
    with connection(broker) as conn:
        queue = conn.SimpleQueue(QUEUE)
        for n in range(20):
            queue.put({"n": n})
        order = []
        for _ in range(20):
            message = queue.get(timeout=5)
            order.append(message.payload["n"])
            message.ack()

    assert order == list(range(20))


def test_a_connection_from_the_settings_url_warns_of_no_missing_hostname(broker, caplog):
    # A folder has no host: kombu warned "No hostname was supplied" in the site's output and
    # every worker's log, as though the broker's settings were wrong, each time Celery cloned
    # the connection that "filesystem://" (the default CELERY_BROKER_URL) makes.
    with caplog.at_level(logging.WARNING), connection(broker, "filesystem://") as conn:
        conn.clone().SimpleQueue(QUEUE).put({"photo": "nadal(3).jpg"})

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
