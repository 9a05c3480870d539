#!/usr/bin/env bash
# Start a private mail system for the email tests, all on 127.0.0.1:
#   Dovecot (IMAP: plain/STARTTLS and IMAPS) serving Maildirs,
#   OpenSMTPD (plain SMTP, for test customers and kefu alike) delivering
#   into the same Maildirs.
#
#   mailserver.sh DIR OWNER_PID PASSWORD USER...
#
# Writes every config, key and mailbox under DIR (mode 0755, so the
# delivery user can reach it), starts both servers in the foreground under
# a watcher that stops them when OWNER_PID (the test process) exits, and
# prints KEY=VALUE lines: IMAP_PORT, IMAPS_PORT, SMTP_PORT, CA (the PEM file clients must trust), MAIL (the Maildir root: one
# DIR/mail/USER/Maildir per user, all in domain example.test).
#
# OpenSMTPD's queue (/var/spool/smtpd) and control socket are fixed at
# build time, so only one instance can run on a machine: callers share it
# (see tests/support/email.rs). Needs root (smtpd drops privileges itself);
# mail is delivered as nobody:nogroup.
#
# OpenSMTPD 6.8 as packaged for Debian 12 fails every TLS handshake with
# OpenSSL 3 ("EVP lib"), and it offers AUTH only over TLS, so it listens in
# plain text here; TLS and AUTH on the SMTP side are covered against
# aiosmtpd (mailserver_tls.py).
set -euo pipefail
dir=$1 owner=$2 password=$3
shift 3
if [ "$(id -u)" -ne 0 ]; then
    echo "mailserver.sh: OpenSMTPD and Dovecot need root to start (CI runs as root)" >&2
    exit 2
fi
for bin in dovecot smtpd openssl; do
    command -v "$bin" >/dev/null || PATH="$PATH:/usr/sbin"
    command -v "$bin" >/dev/null || { echo "mailserver.sh: $bin is missing (run scripts/setup)" >&2; exit 2; }
done
# Three distinct free ports: the sockets stay bound until all three are
# known (one at a time, the kernel may hand out the same port twice, and
# Dovecot then refuses a "duplicate listener").
free_ports() {
    python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}
mkdir -p "$dir"/{tls,mail,dovecot-run,dovecot-state}
chmod 0755 "$dir" "$dir/mail"
read -r imap_port imaps_port smtp_port < <(free_ports)

# A throwaway CA and a server certificate for 127.0.0.1 and localhost.
(
    cd "$dir/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kefu test CA" \
        -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile ext.cnf -out server.pem 2>/dev/null
    chmod 0600 server.key ca.key
)

: >"$dir/dovecot-users" && : >"$dir/smtpd-users"
for user in "$@"; do
    mkdir -p "$dir/mail/$user/Maildir"/{cur,new,tmp}
    echo "$user@example.test:{PLAIN}$password::::::" >>"$dir/dovecot-users"
    printf '%s\t65534:65534:%s\n' "$user" "$dir/mail/$user" >>"$dir/smtpd-users"
done
chown -R 65534:65534 "$dir/mail"

cat >"$dir/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/dovecot-run
state_dir = $dir/dovecot-state
log_path = $dir/dovecot.log
instance_name = kefu-test-$imap_port
ssl = yes
ssl_cert = <$dir/tls/server.pem
ssl_key = <$dir/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = username_format=%u $dir/dovecot-users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$dir/mail/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
EOF

cat >"$dir/smtpd.conf" <<EOF
table users file:$dir/smtpd-users
listen on 127.0.0.1 port $smtp_port
action "deliver" maildir "%{user.directory}/Maildir" userbase <users>
match from any for domain "example.test" action "deliver"
EOF
chmod 0644 "$dir/smtpd.conf"
smtpd -n -f "$dir/smtpd.conf" >/dev/null 2>&1 || smtpd -n -f "$dir/smtpd.conf"
# The previous test binary's OpenSMTPD may still be shutting down.
for _ in $(seq 100); do
    smtpctl show status >/dev/null 2>&1 || break
    sleep 0.2
done

# Run both in the foreground; stop them when the owner goes away.
dovecot -F -c "$dir/dovecot.conf" >>"$dir/dovecot.out" 2>&1 &
dovecot_pid=$!
smtpd -d -f "$dir/smtpd.conf" >>"$dir/smtpd.log" 2>&1 &
smtpd_pid=$!
(
    while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done
    kill "$dovecot_pid" "$smtpd_pid" 2>/dev/null || true
) </dev/null >/dev/null 2>&1 &
disown -a

wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "mailserver.sh: nothing listens on port $1; logs under $dir" >&2
    cat "$dir/smtpd.log" "$dir/dovecot.log" "$dir/dovecot.out" >&2 2>/dev/null || true
    # Stop what did start, so that a second try can take the one OpenSMTPD
    # control socket.
    kill "$dovecot_pid" "$smtpd_pid" 2>/dev/null || true
    exit 1
}
for port in $imap_port $imaps_port $smtp_port; do wait_port "$port"; done
echo "IMAP_PORT=$imap_port"
echo "IMAPS_PORT=$imaps_port"
echo "SMTP_PORT=$smtp_port"
echo "CA=$dir/tls/ca.pem"
echo "MAIL=$dir/mail"
