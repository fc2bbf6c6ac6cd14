#!/bin/sh
# lan-up.sh STATE_DIR PREFIX
#
# Creates a LAN for tests: a network namespace "${PREFIX}br" holding a bridge "br0"
# with the address 198.18.1.1/24 (lo up too). Hosts join it with add-host.sh;
# lan-down.sh removes everything.
#
# Contract:
# - PREFIX: letters, digits, '.', '_' or '-' (e.g. "xbl-1234-"); every namespace of this
#   LAN is named PREFIX + something. STATE_DIR is created if missing and must not hold
#   a LAN already.
# - Refuses (exit 2) when "${PREFIX}br" already exists: it never touches a namespace it
#   did not create.
# - STATE_DIR/prefix       the prefix
#   STATE_DIR/bridge       the bridge namespace's name
#   STATE_DIR/namespaces   every namespace created, one a line, written right after
#                          each creation (so lan-down.sh removes a half-built LAN too)
# - Prints the bridge namespace's name on stdout. Exit 0 on success, 1 on a failed
#   step (run lan-down.sh STATE_DIR anyway), 2 on bad arguments. Needs root and `ip`.
set -eu

usage() { echo "usage: $0 STATE_DIR PREFIX" >&2; exit 2; }
[ $# -eq 2 ] || usage
state=$1
prefix=$2
case $prefix in
  "" | *[!A-Za-z0-9._-]*) echo "$0: PREFIX '$prefix': use letters, digits, '.', '_' or '-'" >&2; exit 2 ;;
esac
mkdir -p "$state"
if [ -s "$state/namespaces" ]; then
  echo "$0: $state already holds a LAN (run lan-down.sh $state first)" >&2
  exit 2
fi
br=${prefix}br
if [ -e "/run/netns/$br" ]; then
  echo "$0: namespace $br already exists: refusing to touch it (this script removes only what it created)" >&2
  exit 2
fi
printf '%s\n' "$prefix" >"$state/prefix"
: >"$state/namespaces"
: >"$state/hosts"
ip netns add "$br"
printf '%s\n' "$br" >>"$state/namespaces"
printf '%s\n' "$br" >"$state/bridge"
ip -n "$br" link set lo up
ip -n "$br" link add br0 type bridge
ip -n "$br" addr add 198.18.1.1/24 dev br0
ip -n "$br" link set br0 up
printf '%s\n' "$br"
