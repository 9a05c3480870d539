#!/usr/bin/env python3
"""A plain SMTP server where one mailbox is full, for the email tests.

    mailserver_full.py MAILDIR FULL_ADDRESS OWNER_PID

aiosmtpd on 127.0.0.1 (a free port), no TLS, no AUTH: RCPT TO the
FULL_ADDRESS is answered "452 4.2.2 Mailbox full" (a temporary refusal of
that one recipient, as a real server gives it); every other message is
written into the Maildir MAILDIR. Prints "PORT=<n>" once it listens, and
exits when the process OWNER_PID (the test) is gone.
"""
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


class FullMailbox(Mailbox):
    def __init__(self, maildir, full):
        super().__init__(maildir)
        self.full = full.lower()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() == self.full:
            return "452 4.2.2 Mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def main():
    maildir, full, owner = sys.argv[1:4]
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    controller = Controller(FullMailbox(maildir, full), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"PORT={port}", flush=True)
    try:
        while True:
            os.kill(int(owner), 0)
            time.sleep(0.5)
    except (ProcessLookupError, KeyboardInterrupt):
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
