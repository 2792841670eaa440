#!/bin/sh
# Run a command inside a private D-Bus session with an unlocked, throw-away gnome-keyring, so
# the credential tests talk to a REAL Secret Service (see /work/shared/platform-notes.md).
#
#   bash .ci/keyring-session.sh /work/venv/bin/python -m pytest tests/store -q
#
# Why each step:
# - a throw-away XDG_DATA_HOME: an existing login keyring made with another password would
#   answer KeyringLocked; the keyring created here lives and dies with this run;
# - XDG_RUNTIME_DIR (mode 700): gnome-keyring puts its control socket there;
# - `--unlock` reads the new keyring's password on stdin, so no prompt is ever needed;
# - TRIAGE_REAL_KEYRING=1 tells the tests marked `keyring` that they may run;
# - TRIAGE_KEYRING_PASSWORD (the throw-away keyring's password) lets the locked-keyring test
#   lock the keyring for real and unlock it again without a prompt.
# Needs: dbus (dbus-run-session) and gnome-keyring (apt-get install --no-install-recommends
# gnome-keyring dbus). The command's exit status is this script's exit status.
set -eu

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: '$tool' not found; install it with: apt-get install --no-install-recommends gnome-keyring dbus" >&2
        exit 2
    fi
done

session_root=$(mktemp -d "${TMPDIR:-/tmp}/triage-keyring.XXXXXX")
trap 'rm -rf "$session_root"' EXIT INT TERM
mkdir -p "$session_root/data" "$session_root/runtime"
chmod 700 "$session_root" "$session_root/runtime"

XDG_DATA_HOME="$session_root/data"
XDG_RUNTIME_DIR="$session_root/runtime"
TRIAGE_REAL_KEYRING=1
export XDG_DATA_HOME XDG_RUNTIME_DIR TRIAGE_REAL_KEYRING

# The password only protects a keyring that is deleted when this script ends.
keyring_password="triage-ci-$$"
TRIAGE_KEYRING_PASSWORD=$keyring_password
export TRIAGE_KEYRING_PASSWORD

# Inside the session. The platform notes' recipe is `printf %s PW | gnome-keyring-daemon --unlock
# --components=secrets >/dev/null; exec "$@"`. We run the daemon with --foreground instead, so we
# know its pid and can stop it afterwards: a daemonised one was seen to outlive its bus (one stray
# daemon per run). We wait (5 s at most) until it owns org.freedesktop.secrets on the bus, else a
# fast client could D-Bus-activate a second, locked daemon.
status=0
dbus-run-session -- sh -c '
    printf %s "$0" | gnome-keyring-daemon --foreground --unlock --components=secrets \
        >/dev/null 2>&1 &
    keyring_pid=$!
    tries=0
    until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
            | grep -q "boolean true"; do
        tries=$((tries + 1))
        if [ "$tries" -ge 50 ]; then
            echo "keyring-session: gnome-keyring-daemon did not start" >&2
            kill "$keyring_pid" 2>/dev/null
            exit 2
        fi
        sleep 0.1
    done
    rc=0
    "$@" || rc=$?
    kill "$keyring_pid" 2>/dev/null
    wait "$keyring_pid" 2>/dev/null
    exit "$rc"
' "$keyring_password" "$@" || status=$?
exit "$status"
