#!/usr/bin/python3
"""A real SMTP server for the integration tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1:PORT and writes each message it receives to DIR as
JSON ({"to": [...], "from": ..., "subject": ..., "text": ..., "html": ...},
bodies decoded), one file per message, written atomically. Exits when the
process PARENT (the test binary) is gone, so no server outlives a test run.

    capture.py PORT DIR PARENT
"""

import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.controller import Controller


class Capture:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {}
        for kind in ("plain", "html"):
            part = message.get_body(preferencelist=(kind,))
            if part is not None and part.get_content_subtype() == kind:
                parts[kind] = part.get_content()
        record = {
            "to": list(envelope.rcpt_tos),
            "from": envelope.mail_from,
            "subject": str(message.get("subject", "")),
            "content_type": message.get_content_type(),
            "text": parts.get("plain", ""),
            "html": parts.get("html", ""),
        }
        self.count += 1
        name = os.path.join(self.directory, "%06d.json" % self.count)
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 OK"


async def main(port, directory, parent):
    controller = Controller(Capture(directory), hostname="127.0.0.1", port=port)
    controller.start()
    with open(os.path.join(directory, "ready"), "w") as f:
        f.write("ready")
    try:
        while True:
            await asyncio.sleep(0.2)
            try:
                os.kill(parent, 0)
            except OSError:
                break
    finally:
        controller.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
