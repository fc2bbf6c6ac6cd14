#!/bin/bash
# The network of the two-node test, built on the LAN of tests/lan/ (namespaces
# this test creates, addresses from 198.18.0.0/15 only, nothing on the machine's
# own network):
#
#   net.sh up STATE PREFIX        the LAN (tests/lan/lan-up.sh: bridge 198.18.1.1/24
#                                 in namespace PREFIXbr), the nodes PREFIXxivo1 and
#                                 PREFIXxivo2 on it (198.18.1.101, .102, default route
#                                 via the bridge, so a broadcast has a way out), and
#                                 the cluster ring between them: a veth `ring`,
#                                 198.18.0.1 (xivo1) and 198.18.0.2 (xivo2)
#   net.sh host STATE NAME ADDR   one more host on the LAN (a berofos, the power
#                                 controller): tests/lan/add-host.sh
#   net.sh ring STATE up|down     the cluster link (a partition is `down`)
#   net.sh down STATE             tests/lan/lan-down.sh: every namespace recorded
set -euo pipefail

cmd=${1:?usage: net.sh up|host|ring|down STATE ...}
STATE=${2:?STATE}
LAN=$(cd "$(dirname "$0")/../lan" && pwd)

case $cmd in
up)
    PREFIX=${3:?PREFIX}
    mkdir -p "$STATE"
    sh "$LAN/lan-up.sh" "$STATE" "$PREFIX" >/dev/null
    sh "$LAN/add-host.sh" "$STATE" xivo1 198.18.1.101 >/dev/null
    sh "$LAN/add-host.sh" "$STATE" xivo2 198.18.1.102 >/dev/null
    ip -n "${PREFIX}xivo1" link add ring type veth peer name ring netns "${PREFIX}xivo2"
    ip -n "${PREFIX}xivo1" addr add 198.18.0.1/24 dev ring
    ip -n "${PREFIX}xivo2" addr add 198.18.0.2/24 dev ring
    ip -n "${PREFIX}xivo1" link set ring up
    ip -n "${PREFIX}xivo2" link set ring up
    ;;
host)
    sh "$LAN/add-host.sh" "$STATE" "${3:?NAME}" "${4:?ADDR}" >/dev/null
    ;;
ring)
    p=$(cat "$STATE/prefix")
    ip -n "${p}xivo1" link set ring "${3:?up|down}"
    ip -n "${p}xivo2" link set ring "$3"
    ;;
down)
    [ -f "$STATE/prefix" ] || exit 0
    sh "$LAN/lan-down.sh" "$STATE"
    ;;
*)
    echo "usage: net.sh up|host|ring|down STATE ..." >&2
    exit 2
    ;;
esac
