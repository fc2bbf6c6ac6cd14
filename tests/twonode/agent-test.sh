#!/bin/bash
# The harness's fence device on loopback: power-controller on 127.0.0.1 (any
# free port) with a NODES_DIR whose commands only touch files in a temporary
# folder, and fence_xivolab driven as Pacemaker's fencer drives it (key=value
# options on stdin, unknown ones included) and by hand (argv), for every
# action.  Run by tests/examples.rs; needs python3 and xmllint, not root.
#
#   bash tests/twonode/agent-test.sh
#
# Prints "ok: ..." per check, exits non-zero at the first failure.  Every
# command is bounded (timeout); the controller is stopped by pid and the
# folder removed whatever happens.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
AGENT="$HERE/fence_xivolab"
T=$(mktemp -d /tmp/xbe-fence-lab-XXXX)
CTL_PID=
cleanup() {
    if [ -n "$CTL_PID" ]; then kill "$CTL_PID" 2>/dev/null || true; wait "$CTL_PID" 2>/dev/null || true; fi
    # a "hang" command that outlived its kill would have left its pid here
    if [ -s "$T/hang.pid" ]; then kill -9 "$(cat "$T/hang.pid")" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/ctl.log" ] && { echo "--- controller log" >&2; tail -n 20 "$T/ctl.log" >&2; }
    exit 1
}
ok() { echo "ok: $*"; }

# --- the fake nodes ----------------------------------------------------------
# node NAME STATUS OFF ON: scripts in $T/nodes/NAME; each records its call.
mkdir -p "$T/nodes" "$T/state"
node() {
    local name=$1
    mkdir -p "$T/nodes/$name"
    printf '#!/bin/sh\necho "%s status" >>"%s/calls"\n%s\n' "$name" "$T" "$2" >"$T/nodes/$name/status"
    printf '#!/bin/sh\necho "%s off" >>"%s/calls"\n%s\n' "$name" "$T" "$3" >"$T/nodes/$name/off"
    printf '#!/bin/sh\necho "%s on" >>"%s/calls"\n%s\n' "$name" "$T" "$4" >"$T/nodes/$name/on"
    chmod +x "$T/nodes/$name"/*
}
for n in xivo1 xivo2; do
    node "$n" "test -e $T/state/$n.on" "rm -f $T/state/$n.on" "touch $T/state/$n.on"
    touch "$T/state/$n.on"
done
# stuck: off "succeeds" but the node stays on.  dead-on: on fails.
node stuck "true" "true" "true"
node deadon "test -e $T/state/deadon.on" "rm -f $T/state/deadon.on" "exit 3"
# racy: off exits 1 although the node went off (a kill racing with a crash).
node racy "test -e $T/state/racy.on" "rm -f $T/state/racy.on; exit 1" "touch $T/state/racy.on"
touch "$T/state/racy.on"
# hang: status never ends (its pid is kept to check it was killed).
node hang "echo \$\$ >$T/hang.pid; exec sleep 3600" "true" "true"

# --- the controller -------------------------------------------------------
python3 "$HERE/power-controller" --listen 127.0.0.1:0 --nodes-dir "$T/nodes" \
    --log "$T/ctl.log" --command-timeout 1 --power-timeout 1 >"$T/ctl.out" 2>"$T/ctl.err" &
CTL_PID=$!
for _ in $(seq 1 100); do
    grep -q '^ready ' "$T/ctl.out" 2>/dev/null && break
    kill -0 "$CTL_PID" 2>/dev/null || { cat "$T/ctl.err" >&2; fail "controller exited"; }
    sleep 0.1
done
PORT=$(sed -n 's/^ready 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/ctl.out")
[ -n "$PORT" ] || fail "controller not ready within 10 s"
ok "power-controller listening on 127.0.0.1:$PORT"

# agent STDIN_LINES...: fence_xivolab with options on stdin, as the fencer
# calls it (plus what Pacemaker adds), bounded; sets RC and OUT.
agent() {
    local input
    input=$(printf '%s\n' "$@" "ip=127.0.0.1" "ipport=$PORT" "pcmk_host_list=xivo1 xivo2" \
        "CRM_meta_timeout=20000" "some_future_option=1")
    set +e
    OUT=$(timeout -k 2 30 python3 "$AGENT" <<<"$input" 2>&1)
    RC=$?
    set -e
}
expect() { # expect RC PATTERN WHAT
    [ "$RC" = "$1" ] || fail "$3: exit $RC, want $1 (output: $OUT)"
    grep -qE -- "$2" <<<"$OUT" || fail "$3: output lacks /$2/: $OUT"
}
calls() { cat "$T/calls" 2>/dev/null | tr '\n' ';'; : >"$T/calls"; }

# --- metadata ---------------------------------------------------------------
agent action=metadata
expect 0 '<resource-agent name="fence_xivolab"' metadata
printf '%s\n' "$OUT" >"$T/meta.xml"
RNG=/usr/share/cluster/relaxng/metadata.rng
if [ -f "$RNG" ]; then
    xmllint --noout --relaxng "$RNG" "$T/meta.xml" 2>"$T/xmllint.out" \
        || { cat "$T/xmllint.out" >&2; fail "metadata does not match fence-agents' $RNG"; }
    ok "metadata valid against fence-agents' metadata.rng"
else
    xmllint --noout "$T/meta.xml" || fail "metadata is not well-formed XML"
    ok "metadata well-formed ($RNG absent: fence-agents not installed)"
fi
for a in on off reboot status monitor list metadata validate-all; do
    grep -q "<action name=\"$a\"" "$T/meta.xml" || fail "metadata lacks action $a"
done
for p in action ip ipport plug port; do
    grep -q "<parameter name=\"$p\"" "$T/meta.xml" || fail "metadata lacks parameter $p"
done
ok "metadata lists actions on/off/reboot/status/monitor/list/metadata/validate-all, parameters action/ip/ipport/plug/port"

# --- the actions, stdin style ---------------------------------------------
: >"$T/calls"
agent action=status plug=xivo1 nodename=xivo1
expect 0 'Status: ON' "status of an on node"
agent action=off plug=xivo1 nodename=xivo1
expect 0 'Success: Powered OFF' off
[ ! -e "$T/state/xivo1.on" ] || fail "off: xivo1 still on"
calls >/dev/null
agent action=status port=xivo1
expect 2 'Status: OFF' "status of an off node (port= as Pacemaker may pass it)"
calls >/dev/null
agent action=off plug=xivo1
expect 0 'Success: Powered OFF' "off of an off node"
[ "$(calls)" = "xivo1 status;" ] || fail "off of an off node ran more than status"
agent action=on nodename=xivo1
expect 0 'Success: Powered ON' "on (target from nodename only)"
[ -e "$T/state/xivo1.on" ] || fail "on: xivo1 still off"
calls >/dev/null
agent action=reboot plug=xivo2
expect 0 'Success: Rebooted' reboot
c=$(calls)
case "$c" in
    *"xivo2 off;"*"xivo2 on;"*) ;;
    *) fail "reboot: calls were '$c', want off then on" ;;
esac
[ -e "$T/state/xivo2.on" ] || fail "reboot: xivo2 not on again"
agent action=list
expect 0 '^xivo1,$' list
grep -q '^xivo2,$' <<<"$OUT" || fail "list lacks xivo2: $OUT"
agent action=monitor
expect 0 '' monitor
agent action=validate-all
expect 0 '' validate-all
set +e
OUT=$(printf 'action=validate-all\nplug=xivo1\n' | timeout 30 python3 "$AGENT" 2>&1); RC=$?
set -e
expect 1 'ip .* is missing' "validate-all without ip"
ok "stdin: status 0/2, off, idempotent off, on, reboot (off then on), list, monitor, validate-all"

# --- argv style --------------------------------------------------------------
set +e
OUT=$(timeout 30 python3 "$AGENT" -o status -a 127.0.0.1 -u "$PORT" -n xivo1 2>&1); RC=$?
set -e
expect 0 'Status: ON' "argv -o status"
set +e
OUT=$(timeout 30 python3 "$AGENT" --action=off --ip=127.0.0.1 --ipport="$PORT" --plug=xivo2 2>&1); RC=$?
set -e
expect 0 'Powered OFF' "argv --action=off"
set +e
OUT=$(timeout 30 python3 "$AGENT" --action=status --ip=127.0.0.1 --ipport="$PORT" --port=xivo2 2>&1); RC=$?
set -e
expect 2 'Status: OFF' "argv --port"
set +e
OUT=$(timeout 30 python3 "$AGENT" -o status --bogus 2>&1); RC=$?
set -e
expect 1 'Failed: .*bogus' "argv unknown option"
ok "argv: -o/-a/-u/-n, --action/--ip/--ipport/--plug/--port, unknown option refused"

# --- failures ----------------------------------------------------------------
agent action=status plug=nosuch
expect 1 'Failed: .*unknown node nosuch' "unknown node"
agent action=off plug=stuck
expect 1 'Failed: .*stuck: still on 1 s after the off command' "a node that does not go off"
agent action=reboot plug=deadon
expect 0 'Success: Rebooted' "reboot whose on fails (the node is off: fenced)"
grep -q 'Timed out waiting to power ON' <<<"$OUT" || fail "reboot/deadon: no warning: $OUT"
agent action=off plug=racy
expect 0 'Success: Powered OFF' "off whose command fails but the node is off"
agent action=on plug=deadon
expect 1 'Failed: .*deadon: on command exited with 3' "on whose command fails"
agent action=status plug=hang
expect 1 'Failed: .*hang: status command still running after 1 s, killed' "a hanging status"
sleep 0.2
if kill -0 "$(cat "$T/hang.pid")" 2>/dev/null; then fail "the hanging command survived its kill"; fi
agent action=frobnicate plug=xivo1
expect 1 "Failed: unknown action 'frobnicate'" "unknown action"
# The protocol itself: a bad request, one answer line each.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'bogus\nstatus ../etc\nstatus xivo1\n' >&3
for want in '^error unknown request' '^error unknown node \.\./etc' '^ok on$'; do
    IFS= read -r -t 10 line <&3 || fail "no answer line from the controller"
    grep -qE "$want" <<<"$line" || fail "controller answered '$line', want /$want/"
done
exec 3<&- 3>&-
ok "failures: unknown node, stuck off, failed on after off, failed on, racy off, hanging command killed, bad requests"

# --- the log -----------------------------------------------------------------
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} 127\.0\.0\.1:[0-9]+ request: off xivo1$' "$T/ctl.log" \
    || fail "log: no timestamped 'request: off xivo1' line"
grep -qE ' answer: ok off \([0-9.]+ s\)$' "$T/ctl.log" || fail "log: no answer line with its duration"
ok "controller log: one timestamped line per request and per answer"

# --- controller gone ---------------------------------------------------------
kill "$CTL_PID"; wait "$CTL_PID" 2>/dev/null || true; CTL_PID=
agent action=monitor
expect 1 "Failed: power controller 127.0.0.1:$PORT: .*refused" "monitor with the controller down"
agent action=status plug=xivo1
expect 1 "Failed: power controller 127.0.0.1:$PORT" "status with the controller down"
ok "controller down: monitor and status fail (exit 1) naming it"
echo "fence lab: all checks passed"
