#!/bin/bash
# One XiVO node of the two-node test cluster: corosync + Pacemaker from Debian's
# packages, alone in its own network, mount, UTS and PID namespaces.
#
#   node.sh start STATE NODE   start the node (its network namespace must exist:
#                              net.sh made it); prints the host pid of its init
#   node.sh kill  STATE NODE   SIGKILL to the node's init: every process of the
#                              node dies at once, as in a power cut
#   node.sh alive STATE NODE   exit 0 when the node's init runs
#   node.sh exec  STATE NODE CMD...   run CMD inside the node (all its namespaces)
#   node.sh init  STATE NODE   (internal) the node's init, PID 1 of its namespace
#
# STATE/NODE/ holds what the node keeps across a restart, like a disk: the upper
# layers of /etc, /usr/sbin and /usr/lib/ocf/resource.d (overlays on the
# machine's own, so the node sees the machine's files but writes its own),
# /var/lib/pacemaker and /var/lib/corosync, the logs, and `pid1` (host pid of the
# node's init, written by `start`); /var/log is an overlay too (log/var: corosync's
# log as the node writes it, /var/log/corosync/corosync.log).  The caller writes the
# node's files before `start`: etc/corosync/corosync.conf (and authkey),
# lib/pacemaker/cib/cib.xml, ocf/xivo/berofos, and optionally sbin/fence_* and env
# (KEY=VALUE lines for pacemakerd's environment, inherited by the agents).
# With a file `dpkg-layers` there (tests/upgrade.rs), /usr/share, /var/lib/dpkg and
# /var/cache are overlays too (upper layers share, dpkg, cache): `dpkg -i` inside
# the node then writes only the node's own layers (its program in /usr/sbin, its
# agent link, docs and man pages, its package database, man-db's cache), as on a
# machine of its own; the other node and the machine see none of it.
#
# Nothing here touches the machine's own files: every mount is made inside the
# node's private mount namespace and vanishes with it.
set -euo pipefail

cmd=${1:?usage: node.sh start|kill|alive|exec|init STATE NODE}
STATE=${2:?STATE}
NODE=${3:?NODE}
D=$STATE/$NODE
NS=$(cat "$STATE/prefix")$NODE
shift 3

# The host pid of the node's init, if it still runs it (a recycled pid is not
# ours: its command line must name this node's state directory).
init_pid() {
    local pid
    pid=$(cat "$D/pid1" 2>/dev/null) || return 1
    [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "node.sh init $STATE $NODE" || return 1
    echo "$pid"
}

case $cmd in
start)
    if init_pid >/dev/null; then echo "node.sh: $NODE already runs" >&2; exit 1; fi
    mkdir -p "$D"/{etc,etc.work,sbin,sbin.work,ocf,ocf.work,lib/pacemaker,lib/corosync,log}
    mkdir -p "$D"/log/{var,var.work}
    if [ -e "$D/dpkg-layers" ]; then mkdir -p "$D"/{share,share.work,dpkg,dpkg.work,cache,cache.work}; fi
    # Pacemaker's daemons run as hacluster: the folders they write are theirs.
    mkdir -p "$D"/lib/pacemaker/{cib,pengine,blackbox,cores}
    chown -R hacluster:haclient "$D/lib/pacemaker" "$D/log"
    chmod 0755 "$STATE" "$D"
    # `ip netns exec` enters the network namespace and execs unshare, which forks
    # the init as PID 1 of new mount, UTS and PID namespaces.  setsid: its own
    # session, so no terminal signal of the caller reaches the node.
    setsid ip netns exec "$NS" unshare --mount --uts --pid --fork --mount-proc \
        bash "$0" init "$STATE" "$NODE" </dev/null >>"$D/log/init.out" 2>&1 &
    parent=$!
    for _ in $(seq 100); do
        child=$(pgrep -P "$parent" 2>/dev/null | head -n1 || true)
        [ -n "$child" ] && break
        sleep 0.05
    done
    [ -n "${child:-}" ] || { echo "node.sh: $NODE: no init under pid $parent" >&2; exit 1; }
    echo "$child" >"$D/pid1"
    echo "$child"
    ;;
kill)
    pid=$(init_pid) || exit 0
    kill -KILL "$pid"
    for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
    ;;
alive)
    init_pid >/dev/null
    ;;
exec)
    pid=$(init_pid) || { echo "node.sh: $NODE is not running" >&2; exit 1; }
    exec nsenter -t "$pid" -n -m -u -p -- "$@"
    ;;
init)
    # PID 1 of the node.  Private mounts first (unshare made them private).
    overlay() { # overlay TARGET NAME: the machine's TARGET, written into D/NAME
        mount -t overlay "node-$2" -o "lowerdir=$1,upperdir=$D/$2,workdir=$D/$2.work" "$1"
    }
    overlay /etc etc
    overlay /usr/sbin sbin
    overlay /usr/lib/ocf/resource.d ocf
    overlay /var/log log/var
    if [ -e "$D/dpkg-layers" ]; then
        overlay /usr/share share
        overlay /var/lib/dpkg dpkg
        overlay /var/cache cache
    fi
    mount --bind "$D/lib/pacemaker" /var/lib/pacemaker
    mount --bind "$D/lib/corosync" /var/lib/corosync
    mount -t tmpfs -o mode=0755 tmpfs /run
    mount -t tmpfs -o mode=1777 tmpfs /dev/shm
    mkdir -p /run/crm /run/resource-agents
    hostname "$NODE"
    echo "$(date '+%F %T.%N') init of $NODE: corosync" >>"$D/log/init.log"
    corosync -f </dev/null >>"$D/log/corosync.out" 2>&1 &
    for _ in $(seq 200); do
        corosync-cfgtool -s >/dev/null 2>&1 && break
        sleep 0.05
    done
    echo "$(date '+%F %T.%N') init of $NODE: pacemakerd" >>"$D/log/init.log"
    env_args=()
    if [ -f "$D/env" ]; then mapfile -t env_args <"$D/env"; fi
    env PCMK_logfile="$D/log/pacemaker.log" "${env_args[@]}" pacemakerd -f \
        </dev/null >>"$D/log/pacemakerd.out" 2>&1 &
    # Reap every process that ends in this namespace, until the node is killed.
    # (`wait` returns at once when no child is left: hence the sleep.)
    while true; do wait; sleep 1; done
    ;;
*)
    echo "usage: node.sh start|kill|alive|exec|init STATE NODE" >&2
    exit 2
    ;;
esac
