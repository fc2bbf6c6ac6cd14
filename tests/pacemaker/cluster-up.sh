#!/bin/bash
# Start a throw-away single-node Pacemaker cluster for the end-to-end tests,
# with Debian's corosync and pacemaker, as root, without systemd.
#
#   tests/pacemaker/cluster-up.sh STATE_DIR [NODE_NAME]
#
# STATE_DIR (created if missing, e.g. $(mktemp -d /tmp/pcmk-XXXX)) receives
# the pids (corosync.pid, pacemakerd.pid), the logs (corosync.log,
# pacemaker.log, *.out) and the corosync.conf that was in /etc before.
# NODE_NAME defaults to $(hostname); it is the name pcs, crm_mon and the
# agent's OCF_RESKEY_CRM_meta_on_node will use.
#
# Returns 0 once a DC is elected, the node is online and the cluster
# properties are set; prints "node=NAME dc_seconds=N" on stdout.  On any
# failure it stops what it started (cluster-down.sh) and exits non-zero, with
# the end of the logs on stderr.  Always bounded: PCMK_UP_TIMEOUT (120 s).
#
# THIS WIPES /var/lib/pacemaker/cib AND REPLACES /etc/corosync/corosync.conf:
# for test machines only.  It refuses to run when the corosync.conf in place
# belongs to a real cluster (cluster_name other than Debian's default
# "debian" or ours), or when corosync/pacemakerd already run.
set -euo pipefail

STATE=${1:?usage: cluster-up.sh STATE_DIR [NODE_NAME]}
NODE=${2:-$(hostname)}
TIMEOUT=${PCMK_UP_TIMEOUT:-120}
HERE=$(cd "$(dirname "$0")" && pwd)
CONF=/etc/corosync/corosync.conf

log() { echo "cluster-up: $*" >&2; }
die() {
    log "$*"
    for f in corosync.log pacemaker.log corosync.out pacemakerd.out; do
        [ -s "$STATE/$f" ] && { echo "--- $STATE/$f (end)" >&2; tail -n 25 "$STATE/$f" >&2; }
    done
    exit 1
}

[ "$(id -u)" = 0 ] || { log "must run as root (corosync, pacemakerd)"; exit 1; }
for cmd in corosync pacemakerd crm_mon pcs; do
    command -v "$cmd" >/dev/null || { log "$cmd not found: apt-get install pacemaker corosync pcs"; exit 1; }
done
getent passwd hacluster >/dev/null || { log "user hacluster missing (package pacemaker creates it)"; exit 1; }

# One cluster at a time: a second corosync would fight over port 5405 and the
# IPC names.  pgrep -x matches the exact program name, it kills nothing.
if pgrep -x corosync >/dev/null || pgrep -x pacemakerd >/dev/null; then
    log "corosync or pacemakerd is already running (pids: $(pgrep -x -d ' ' 'corosync|pacemakerd')); run cluster-down.sh on its state dir first"
    exit 1
fi
if [ -f "$CONF" ] && [ -z "${PCMK_TEST_FORCE:-}" ]; then
    name=$(sed -n 's/^[[:space:]]*cluster_name:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$CONF" | head -n1)
    case "$name" in
        ""|debian|xivo-test) ;;
        *) log "$CONF belongs to cluster '$name': not a test machine? (PCMK_TEST_FORCE=1 to override)"; exit 1 ;;
    esac
fi

mkdir -p "$STATE"
# The pacemaker daemons run as hacluster and write pacemaker.log in here:
# mktemp -d makes 0700, they need to traverse it.
chmod 0755 "$STATE"
STATE=$(cd "$STATE" && pwd)

# From here on, whatever fails stops what was started.
trap 'rc=$?; if [ $rc -ne 0 ]; then bash "$HERE/cluster-down.sh" "$STATE" || true; fi' EXIT

# --- corosync.conf -------------------------------------------------------
# pcs reads /etc/corosync/corosync.conf (cluster name, node names: `pcs
# constraint location ... prefers NODE` refuses a node it does not find
# there), so the file goes where pcs looks, and the previous one is kept.
if [ -f "$CONF" ]; then
    [ -f "$STATE/corosync.conf.orig" ] || cp -p "$CONF" "$STATE/corosync.conf.orig"
else
    : > "$STATE/corosync.conf.none"
fi
mkdir -p /etc/corosync
cat > "$CONF" <<EOF
# Written by tests/pacemaker/cluster-up.sh -- single-node test cluster.
totem {
    version: 2
    cluster_name: xivo-test
    # knet is corosync 3's default; with crypto off no authkey is needed.
    transport: knet
    crypto_cipher: none
    crypto_hash: none
}
logging {
    to_stderr: no
    to_syslog: no
    to_logfile: yes
    logfile: $STATE/corosync.log
    timestamp: on
}
quorum {
    provider: corosync_votequorum
}
nodelist {
    node {
        name: $NODE
        nodeid: 1
        ring0_addr: 127.0.0.1
    }
}
EOF

# --- fresh CIB, seeded -----------------------------------------------------
# An empty CIB directory makes pacemaker start from scratch.  We seed it with
# the three properties a single-node test cluster needs, so that they are in
# force from the first scheduler run:
#  - stonith-enabled=false: there is no fencing device; with fencing enabled
#    Pacemaker refuses to start any resource.
#  - no-quorum-policy=ignore: one node is its own quorum here anyway, but this
#    keeps resources running whatever the vote arithmetic says.
#  - dc-deadtime=2s: how long a starting controller waits for an existing DC
#    before electing itself; the default 20 s is pure waiting on one node.
# Pacemaker accepts a cib.xml without cib.xml.sig (it logs a warning).
# validate-with must be the NEWEST schema installed, as in a cluster made by
# `pcs cluster setup`: with an older one (say pacemaker-3.0) the CIB keeps
# that schema, roles are stored as Master/Slave and newer syntax such as the
# colocation option influence=false is rejected ("does not conform to the
# configured schema").
schema=$(cd /usr/share/pacemaker && ls pacemaker-[0-9]*.rng | sed 's/\.rng$//' | sort -V | tail -n1)
[ -n "$schema" ] || die "no pacemaker-*.rng schema in /usr/share/pacemaker"
rm -rf /var/lib/pacemaker/cib/* /var/lib/pacemaker/pengine/* /var/lib/corosync/*
rm -f /run/resource-agents/berofos-*.state /run/resource-agents/berofos-*.split /run/Stateful-*.state /run/Stateful-*.state.rc
cat > /var/lib/pacemaker/cib/cib.xml <<EOF
<cib validate-with="$schema" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
        <nvpair id="cib-bootstrap-options-no-quorum-policy" name="no-quorum-policy" value="ignore"/>
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="2s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
EOF
chown hacluster:haclient /var/lib/pacemaker/cib/cib.xml
chmod 0600 /var/lib/pacemaker/cib/cib.xml

t0=$(date +%s)
elapsed() { echo $(( $(date +%s) - t0 )); }

# --- corosync ------------------------------------------------------------
# Foreground mode (-f) in a background job: we own the pid.  All three
# standard streams are redirected so that a caller reading our output (cargo
# test, a CI log pipe) is not kept open by the daemon.
corosync -f </dev/null >"$STATE/corosync.out" 2>&1 &
echo $! > "$STATE/corosync.pid"
until corosync-quorumtool -s >/dev/null 2>&1; do
    kill -0 "$(cat "$STATE/corosync.pid")" 2>/dev/null || die "corosync exited"
    [ "$(elapsed)" -lt "$TIMEOUT" ] || die "corosync not ready after ${TIMEOUT}s"
    sleep 0.5
done

# --- pacemaker -----------------------------------------------------------
# PCMK_logfile is read by pacemakerd and inherited by its daemons (it would
# otherwise log to /var/log/pacemaker/pacemaker.log).
PCMK_logfile="$STATE/pacemaker.log" pacemakerd -f </dev/null >"$STATE/pacemakerd.out" 2>&1 &
echo $! > "$STATE/pacemakerd.pid"

# Ready = a DC is elected and our node is online.  The XML output is the
# stable interface (the text output changes between versions).
ready() {
    local xml
    xml=$(crm_mon -1 --output-as=xml 2>/dev/null) || return 1
    grep -q '<current_dc present="true"' <<<"$xml" &&
        grep -q "<node name=\"$NODE\" [^>]*online=\"true\"" <<<"$xml"
}
until ready; do
    kill -0 "$(cat "$STATE/corosync.pid")" 2>/dev/null || die "corosync exited"
    kill -0 "$(cat "$STATE/pacemakerd.pid")" 2>/dev/null || die "pacemakerd exited"
    [ "$(elapsed)" -lt "$TIMEOUT" ] || die "no DC with node $NODE online after ${TIMEOUT}s"
    sleep 0.5
done
dc_seconds=$(elapsed)

# The seeded properties again, through pcs: harmless if already set, and it
# proves that pcs reaches the CIB without pcsd.
pcs property set stonith-enabled=false no-quorum-policy=ignore >/dev/null ||
    die "pcs property set failed"

log "cluster up: node $NODE online, DC elected after ${dc_seconds}s (state in $STATE)"
echo "node=$NODE dc_seconds=$dc_seconds"
