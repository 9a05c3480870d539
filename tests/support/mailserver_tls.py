#!/usr/bin/env python3
"""An SMTP server that requires STARTTLS and AUTH, for the email tests.

    mailserver_tls.py CERT KEY MAILDIR USER PASSWORD OWNER_PID

aiosmtpd on 127.0.0.1 (a free port): every message from a client that
upgraded with STARTTLS and logged in as USER/PASSWORD is written into the
Maildir MAILDIR. Prints "PORT=<n>" once it listens, and exits when the
process OWNER_PID (the test) is gone.
"""
import os
import warnings
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    # aiosmtpd warns about its own deprecated attribute on every login.
    warnings.simplefilter("ignore", DeprecationWarning)
    cert, key, maildir, user, password, owner = sys.argv[1:7]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        # handled=False: aiosmtpd answers 535 itself on failure.
        return AuthResult(success=ok, handled=False)

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    controller = Controller(
        Mailbox(maildir),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
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
