#!/bin/sh
# lan-down.sh STATE_DIR
#
# Removes every namespace that lan-up.sh and add-host.sh recorded in
# STATE_DIR/namespaces (their veths and the bridge go with them), hosts first, the
# bridge last.
#
# Contract:
# - Touches only the namespaces listed in STATE_DIR/namespaces whose names start with
#   STATE_DIR/prefix; one already gone is skipped.
# - Processes still running in such a namespace (`ip netns pids`: the caller's own
#   simulators or nodes, left behind by a crash) get SIGTERM by pid, then SIGKILL
#   after 2 s. Kill your own processes first; this is the safety net.
# - Then removes the state files it knows (prefix, bridge, namespaces, hosts); the
#   directory itself stays (it is the caller's).
# - Safe to run twice, on a half-built LAN, or on a STATE_DIR without a LAN (exit 0).
#   Exit 1 when a namespace could not be removed (named on stderr), 2 on bad
#   arguments. Needs root and `ip`.
set -u

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
state=$1
[ -f "$state/namespaces" ] || exit 0
prefix=$(cat "$state/prefix" 2>/dev/null || true)
if [ -z "$prefix" ]; then
  echo "$0: $state/prefix is missing: refusing to guess which namespaces are ours" >&2
  exit 1
fi
status=0
# Last created first: the hosts, then the bridge.
for ns in $(awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' "$state/namespaces"); do
  case $ns in
    "$prefix"*) ;;
    *) echo "$0: $ns does not start with $prefix: left alone" >&2; status=1; continue ;;
  esac
  [ -e "/run/netns/$ns" ] || continue
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    echo "$0: $ns: stopping processes still inside: $(echo $pids)" >&2
    kill -TERM $pids 2>/dev/null || true
    i=0
    while [ $i -lt 20 ] && [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; do
      sleep 0.1
      i=$((i + 1))
    done
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  fi
  if ! ip netns delete "$ns"; then
    echo "$0: could not remove namespace $ns" >&2
    status=1
  fi
done
if [ $status -eq 0 ]; then
  rm -f "$state/prefix" "$state/bridge" "$state/namespaces" "$state/hosts"
fi
exit $status
