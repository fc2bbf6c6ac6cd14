#!/bin/sh
# add-host.sh STATE_DIR NAME ADDRESS
#
# Adds a host to the LAN of lan-up.sh: a network namespace "${PREFIX}NAME" whose eth0
# (a veth, the other end a port of the bridge) has ADDRESS/24, with lo up and a default
# route via the bridge address 198.18.1.1 (so a broadcast to 255.255.255.255 has a
# route, as our client and the vendor's need).
#
# Contract:
# - STATE_DIR is one lan-up.sh made. NAME: letters, digits, '_' or '-'.
#   ADDRESS: 198.18.1.2 .. 198.18.1.254 (the bridge's /24), not used by another host.
# - Refuses (exit 2) when "${PREFIX}NAME" already exists: it never touches a namespace
#   it did not create.
# - Appends the namespace to STATE_DIR/namespaces right after creating it, and
#   "NAME NAMESPACE ADDRESS BRIDGE_PORT" to STATE_DIR/hosts once it is wired.
# - Prints the namespace's name on stdout. Exit 0 on success, 1 on a failed step (run
#   lan-down.sh STATE_DIR anyway), 2 on bad arguments. Needs root and `ip`.
# Run a program on the host with `ip netns exec NAMESPACE PROGRAM...` (127.0.0.1 is
# the host's own loopback).
set -eu

usage() { echo "usage: $0 STATE_DIR NAME ADDRESS" >&2; exit 2; }
[ $# -eq 3 ] || usage
state=$1
name=$2
addr=$3
[ -s "$state/bridge" ] || { echo "$0: $state holds no LAN (run lan-up.sh first)" >&2; exit 2; }
case $name in
  "" | *[!A-Za-z0-9_-]*) echo "$0: NAME '$name': use letters, digits, '_' or '-'" >&2; exit 2 ;;
esac
host_part=${addr#198.18.1.}
case $addr in
  198.18.1.*) ;;
  *) host_part=x ;;
esac
case $host_part in
  "" | *[!0-9]* | 0*) ok=no ;;
  *) if [ "$host_part" -ge 2 ] && [ "$host_part" -le 254 ]; then ok=yes; else ok=no; fi ;;
esac
if [ "$ok" != yes ]; then
  echo "$0: ADDRESS '$addr': expected 198.18.1.2 .. 198.18.1.254 (the LAN is 198.18.1.0/24)" >&2
  exit 2
fi
if awk -v a="$addr" '$3 == a { found = 1 } END { exit !found }' "$state/hosts"; then
  echo "$0: $addr is already a host of this LAN" >&2
  exit 2
fi
prefix=$(cat "$state/prefix")
br=$(cat "$state/bridge")
ns=${prefix}${name}
if [ -e "/run/netns/$ns" ]; then
  echo "$0: namespace $ns already exists: refusing to touch it (this script removes only what it created)" >&2
  exit 2
fi
# The bridge port's name, unique in the bridge namespace and short (IFNAMSIZ).
port=vh$(($(wc -l <"$state/hosts") + 1))
while ip -n "$br" link show "$port" >/dev/null 2>&1; do
  port=${port}x
done
ip netns add "$ns"
printf '%s\n' "$ns" >>"$state/namespaces"
ip -n "$br" link add "$port" type veth peer name eth0 netns "$ns"
ip -n "$br" link set "$port" master br0
ip -n "$br" link set "$port" up
ip -n "$ns" link set lo up
ip -n "$ns" addr add "$addr/24" dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" route add default via 198.18.1.1
printf '%s %s %s %s\n' "$name" "$ns" "$addr" "$port" >>"$state/hosts"
printf '%s\n' "$ns"
