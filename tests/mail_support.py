"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests and the benchmark.

``SmtpServer.refuse`` makes it answer the next n messages with a temporary refusal (451) and
``drop`` makes it close the connection (421) instead of taking them.
"""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list = []
        self.refuse_next = 0
        self.drop_next = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.drop_next:
                self.drop_next -= 1
                return "421 Closing the connection, try later"
            if self.refuse_next:
                self.refuse_next -= 1
                return "451 Try again later"
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list:
        with self.handler.lock:
            return list(self.handler.received)

    def refuse(self, n: int) -> None:
        self.handler.refuse_next = n

    def drop(self, n: int) -> None:
        self.handler.drop_next = n
