#!/bin/bash
# The network of the two-node test: namespaces this script creates, addresses
# from 198.18.0.0/15 only (set aside for benchmarking), nothing on the machine's
# own network.
#
#   net.sh up STATE PREFIX        the LAN bridge (namespace PREFIX-lan, bridge
#                                 address 198.18.1.1/24) and the cluster ring
#                                 between PREFIX-xivo1 (198.18.0.1) and
#                                 PREFIX-xivo2 (198.18.0.2); the nodes are also on
#                                 the LAN (198.18.1.101, .102) with a default route
#                                 via the bridge, so a broadcast has a way out
#   net.sh host STATE NAME ADDR   one more host on the LAN: namespace PREFIX-NAME,
#                                 address ADDR/24 (a berofos, the power controller)
#   net.sh ring STATE up|down     the cluster link (a partition is `down`)
#   net.sh down STATE             kill what still runs in the namespaces listed in
#                                 STATE/netns (all created here), delete them
#
# STATE/prefix and STATE/netns record what was made; `down` removes only those.
set -euo pipefail

cmd=${1:?usage: net.sh up|host|ring|down STATE ...}
STATE=${2:?STATE}
BRIDGE_ADDR=198.18.1.1

ns_add() { # ns_add NAME: a new namespace PREFIX-NAME, recorded, lo up
    local ns
    ns="$(cat "$STATE/prefix")-$1"
    if ip netns list | grep -qw "^$ns"; then
        echo "net.sh: namespace $ns exists already: not ours, not touched" >&2
        exit 1
    fi
    ip netns add "$ns"
    echo "$ns" >>"$STATE/netns"
    ip -n "$ns" link set lo up
}

lan_host() { # lan_host NAME ADDR: NAME's interface `lan` on the bridge
    local p ns
    p=$(cat "$STATE/prefix")
    ns=$p-$1
    ip -n "$p-lan" link add "v-$1" type veth peer name lan netns "$ns"
    ip -n "$p-lan" link set "v-$1" master br0 up
    ip -n "$ns" addr add "$2/24" dev lan
    ip -n "$ns" link set lan up
    ip -n "$ns" route add default via "$BRIDGE_ADDR"
}

case $cmd in
up)
    PREFIX=${3:?PREFIX}
    mkdir -p "$STATE"
    echo "$PREFIX" >"$STATE/prefix"
    : >>"$STATE/netns"
    ns_add lan
    ip -n "$PREFIX-lan" link add br0 type bridge
    ip -n "$PREFIX-lan" addr add "$BRIDGE_ADDR/24" dev br0
    ip -n "$PREFIX-lan" link set br0 up
    ns_add xivo1
    ns_add xivo2
    ip -n "$PREFIX-xivo1" link add ring type veth peer name ring netns "$PREFIX-xivo2"
    ip -n "$PREFIX-xivo1" addr add 198.18.0.1/24 dev ring
    ip -n "$PREFIX-xivo2" addr add 198.18.0.2/24 dev ring
    ip -n "$PREFIX-xivo1" link set ring up
    ip -n "$PREFIX-xivo2" link set ring up
    lan_host xivo1 198.18.1.101
    lan_host xivo2 198.18.1.102
    ;;
host)
    NAME=${3:?NAME}
    ADDR=${4:?ADDR}
    ns_add "$NAME"
    lan_host "$NAME" "$ADDR"
    ;;
ring)
    p=$(cat "$STATE/prefix")
    ip -n "$p-xivo1" link set ring "${3:?up|down}"
    ip -n "$p-xivo2" link set ring "$3"
    ;;
down)
    [ -f "$STATE/netns" ] || exit 0
    while read -r ns; do
        [ -n "$ns" ] || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done <"$STATE/netns"
    sleep 0.2
    while read -r ns; do
        [ -n "$ns" ] || continue
        ip netns del "$ns" 2>/dev/null || true
    done <"$STATE/netns"
    : >"$STATE/netns"
    ;;
*)
    echo "usage: net.sh up|host|ring|down STATE ..." >&2
    exit 2
    ;;
esac
