#!/bin/bash
# Checks the cluster and fencing scripts of pcs-examples/ offline: no cluster,
# no pcsd, no daemon started.  Run by tests/examples.rs (as root; CI installs
# the packages through scripts/deps).
#
#   bash tests/pcs-examples/offline.sh
#
# - cluster-setup.sh in its COROSYNC_CONF mode: the corosync.conf pcs writes
#   (two nodes, two_node, token, crypto) passes corosync's own check
#   (`corosync -t`), run for each node inside a private network, mount and
#   PID namespace that has the node's ring address, a private /run,
#   /etc/corosync (a fresh authkey) and /var/log/corosync.  corosync -t
#   parses and checks the file and exits: it starts nothing.
# - fencing.sh for every KIND, run VERBATIM against a CIB file: a `pcs`
#   first on PATH execs the real pcs with `-f FILE`, so pcs checks every
#   option against the real agent's metadata (fence-agents, fence-virt);
#   then the CIB is read back with cibadmin.
# - fencing-policy.sh (both variants) after create.sh's stand-in, then
#   crm_verify, and crm_simulate: with both nodes up the services and the
#   Promoted berofos land on one node; when that node is lost its fence
#   carries priority-fencing-delay, the other node's does not.
#
# Every command is bounded (timeout); everything lives in a temporary folder
# removed at exit.  Prints "ok: ..." per check; exits non-zero at the first
# failure, with the output of the command that failed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
EXAMPLES=$(cd "$HERE/../../pcs-examples" && pwd)
T=$(mktemp -d /tmp/xbe-pcs-offline-XXXX)
trap 'rm -rf "$T"' EXIT
REAL_PCS=$(command -v pcs)

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
# run LOG CMD...: CMD bounded to 120 s, output to LOG; on failure show LOG.
run() {
    local log=$1; shift
    if ! timeout -k 5 120 "$@" >"$log" 2>&1; then
        cat "$log" >&2
        fail "$* (see above)"
    fi
}
# must_fail LOG CMD...: CMD must exit non-zero.
must_fail() {
    local log=$1; shift
    if timeout -k 5 120 "$@" >"$log" 2>&1; then
        cat "$log" >&2
        fail "expected a failure: $*"
    fi
}

# --- pcs on a CIB file ---------------------------------------------------
mkdir -p "$T/bin"
cat >"$T/bin/pcs" <<EOF
#!/bin/sh
# the real pcs, on the CIB file \$XBE_CIB instead of a live cluster
exec "$REAL_PCS" -f "\$XBE_CIB" "\$@"
EOF
chmod +x "$T/bin/pcs"
# new_cib NAME: an empty CIB of the installed Pacemaker's newest schema.
new_cib() {
    export XBE_CIB="$T/$1.xml"
    cibadmin --empty >"$XBE_CIB"
}
# "${OFFLINE[@]}" CMD...: CMD with the pcs of $T/bin first on PATH.
OFFLINE=(env "PATH=$T/bin:$PATH")
# xpath_count XPATH: how many nodes of $XBE_CIB match (xmllint).
xpath_count() { xmllint --xpath "count($1)" "$XBE_CIB"; }

# --- 1. cluster-setup.sh, COROSYNC_CONF mode ------------------------------
setup() {
    # setup NAME VAR=VALUE...: cluster-setup.sh writes $T/NAME.conf
    local name=$1; shift
    run "$T/$name.out" env NODE1=xivo1 NODE1_ADDR=198.18.0.1 NODE2=xivo2 NODE2_ADDR=198.18.0.2 \
        COROSYNC_CONF="$T/$name.conf" "$@" sh "$EXAMPLES/cluster-setup.sh"
}
setup token1000 TOKEN=1000 CRYPTO=off
setup defaults
for want in 'two_node: 1' 'token: 1000' 'crypto_cipher: none' 'name: xivo1' \
    'ring0_addr: 198.18.0.1' 'name: xivo2' 'ring0_addr: 198.18.0.2' 'cluster_name: xivo'; do
    grep -qF "$want" "$T/token1000.conf" || fail "token1000.conf lacks '$want'"
done
for want in 'two_node: 1' 'token: 3000' 'crypto_cipher: aes256' 'crypto_hash: sha256'; do
    grep -qF "$want" "$T/defaults.conf" || fail "defaults.conf lacks '$want'"
done
ok "cluster-setup.sh COROSYNC_CONF: two_node, token, crypto, ring addresses"
must_fail "$T/bad-crypto.out" env NODE1=xivo1 NODE1_ADDR=198.18.0.1 NODE2=xivo2 \
    NODE2_ADDR=198.18.0.2 CRYPTO=maybe COROSYNC_CONF="$T/bad.conf" sh "$EXAMPLES/cluster-setup.sh"
must_fail "$T/no-addr.out" env NODE1=xivo1 NODE2=xivo2 COROSYNC_CONF="$T/bad.conf" \
    sh "$EXAMPLES/cluster-setup.sh"
grep -q NODE1_ADDR "$T/no-addr.out" || fail "no NODE1_ADDR: message does not name it"
ok "cluster-setup.sh refuses CRYPTO=maybe and a missing NODE1_ADDR"

# corosync -t, as node ADDR, in namespaces of its own (root only).
cat >"$T/corosync-check.sh" <<'EOF'
set -eu
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /etc/corosync
mkdir -p /var/log/corosync && mount -t tmpfs tmpfs /var/log/corosync
corosync-keygen -k /etc/corosync/authkey >/dev/null 2>&1
ip link set lo up
ip addr add "$2/32" dev lo
exec corosync -t -c "$1"
EOF
if [ "$(id -u)" = 0 ]; then
    for conf in token1000 defaults; do
        for addr in 198.18.0.1 198.18.0.2; do
            run "$T/ct.out" unshare --net --mount --pid --fork --mount-proc \
                sh "$T/corosync-check.sh" "$T/$conf.conf" "$addr"
        done
    done
    # The check can fail: a node whose address is not in the nodelist.
    must_fail "$T/ct.out" unshare --net --mount --pid --fork --mount-proc \
        sh "$T/corosync-check.sh" "$T/token1000.conf" 198.18.0.3
    grep -q 'No valid name found for local host' "$T/ct.out" \
        || { cat "$T/ct.out" >&2; fail "corosync -t: unexpected message"; }
    ok "corosync -t accepts both files on both nodes, refuses a stranger"
else
    echo "skipped: corosync -t needs root (namespaces)"
fi

# --- 2. fencing.sh, every KIND ----------------------------------------------
printf '#!/bin/sh\necho not-a-real-password\n' >"$T/password"
chmod 0700 "$T/password"
fencing() {
    # fencing KIND VAR=VALUE...: fencing.sh on a fresh CIB, then checks.
    local kind=$1; shift
    new_cib "fence-$kind"
    run "$T/fence-$kind.out" "${OFFLINE[@]}" KIND="$kind" NODE1=xivo1 NODE2=xivo2 "$@" \
        sh "$EXAMPLES/fencing.sh"
    local n
    n=$(xpath_count "//primitive[@class='stonith'][@type='fence_$kind']")
    [ "$n" = 2 ] || fail "$kind: $n fence_$kind devices, want 2"
    # The delay only on the survivor's device (default NODE1 = xivo1).
    [ "$(xpath_count "//primitive[@id='fence-xivo1']//nvpair[@name='pcmk_delay_base'][@value='5s']")" = 1 ] \
        || fail "$kind: no pcmk_delay_base=5s on fence-xivo1"
    [ "$(xpath_count "//primitive[@id='fence-xivo2']//nvpair[@name='pcmk_delay_base']")" = 0 ] \
        || fail "$kind: pcmk_delay_base on fence-xivo2"
    # Each device fences its own node only, and never runs there.
    for node in xivo1 xivo2; do
        [ "$(xpath_count "//primitive[@id='fence-$node']//nvpair[starts-with(@name,'pcmk_host_')][starts-with(@value,'$node')]")" = 1 ] \
            || fail "$kind: fence-$node is not tied to $node (pcmk_host_list/map)"
        [ "$(xpath_count "//rsc_location[@rsc='fence-$node'][@node='$node'][@score='-INFINITY']")" = 1 ] \
            || fail "$kind: no 'fence-$node avoids $node'"
    done
    # No password in the CIB.
    [ "$(xpath_count "//nvpair[@name='password' or @name='passwd']")" = 0 ] \
        || fail "$kind: a password in the CIB"
    ok "fencing.sh KIND=$kind: 2 devices accepted by pcs (agent metadata), delay, host map, avoids, no password"
}
fencing ipmilan NODE1_BMC=198.18.1.11 NODE2_BMC=198.18.1.12 FENCE_USER=fence \
    FENCE_PASSWORD_SCRIPT="$T/password"
fencing virsh FENCE_IP=198.18.1.40 FENCE_USER=root FENCE_IDENTITY_FILE=/root/.ssh/id_fence \
    NODE1_VM=vm-xivo1 NODE2_VM=vm-xivo2
fencing xvm NODE1_VM=vm-xivo1 NODE2_VM=vm-xivo2
fencing vmware_rest FENCE_IP=198.18.1.40 FENCE_USER=fence@vsphere.local \
    FENCE_PASSWORD_SCRIPT="$T/password" FENCE_SSL_INSECURE=1
fencing pve FENCE_IP=198.18.1.40 FENCE_USER=root@pam FENCE_PASSWORD_SCRIPT="$T/password" \
    NODE1_VM=101 NODE2_VM=102 PVE_VMTYPE=lxc FENCE_OPTIONS="ipport=8007 power_wait=2"
[ "$(xpath_count "//nvpair[@name='vmtype'][@value='lxc']")" = 2 ] || fail "pve: PVE_VMTYPE not applied"
[ "$(xpath_count "//nvpair[@name='ipport'][@value='8007']")" = 2 ] || fail "pve: FENCE_OPTIONS not applied"
# SURVIVOR moves the delay; the pcs check really bites (an unknown option).
new_cib survivor
run "$T/survivor.out" "${OFFLINE[@]}" KIND=xvm NODE1=xivo1 NODE2=xivo2 SURVIVOR=xivo2 DELAY=3s \
    sh "$EXAMPLES/fencing.sh"
[ "$(xpath_count "//primitive[@id='fence-xivo2']//nvpair[@name='pcmk_delay_base'][@value='3s']")" = 1 ] \
    || fail "SURVIVOR=xivo2: no delay on fence-xivo2"
new_cib bogus
must_fail "$T/bogus.out" "${OFFLINE[@]}" KIND=ipmilan NODE1=xivo1 NODE2=xivo2 NODE1_BMC=198.18.1.11 \
    NODE2_BMC=198.18.1.12 FENCE_USER=fence FENCE_PASSWORD_SCRIPT="$T/password" \
    FENCE_OPTIONS=no_such_option=1 sh "$EXAMPLES/fencing.sh"
grep -q "invalid stonith option 'no_such_option'" "$T/bogus.out" \
    || { cat "$T/bogus.out" >&2; fail "unknown option: not refused by pcs"; }
new_cib nouser
must_fail "$T/nouser.out" "${OFFLINE[@]}" KIND=pve NODE1=xivo1 NODE2=xivo2 FENCE_IP=198.18.1.40 \
    sh "$EXAMPLES/fencing.sh"
grep -q FENCE_USER "$T/nouser.out" || fail "no FENCE_USER: message does not name it"
[ "$(xpath_count "//primitive")" = 0 ] || fail "no FENCE_USER: a device was created anyway"
ok "fencing.sh: SURVIVOR/DELAY, pcs refuses an unknown agent option, a missing login creates nothing"

# --- 3. fencing-policy.sh ---------------------------------------------------------
# policy NAME VAR=VALUE...: a CIB with the devices (KIND=xvm: no login), the
# services stand-in, the berofos clone's stand-in (ocf:pacemaker:Stateful under
# the name create.sh uses), constraints.sh, then fencing-policy.sh.
policy() {
    local name=$1; shift
    new_cib "$name"
    run "$T/$name-fence.out" "${OFFLINE[@]}" KIND=xvm NODE1=xivo1 NODE2=xivo2 sh "$EXAMPLES/fencing.sh"
    run "$T/$name-rsc.out" "${OFFLINE[@]}" pcs resource create xivo-services ocf:pacemaker:Dummy
    run "$T/$name-rsc.out" "${OFFLINE[@]}" pcs resource create berofos ocf:pacemaker:Stateful \
        promotable promoted-max=1 promoted-node-max=1
    # The stand-in has no master_node parameter to default MASTER_NODE from: given.
    run "$T/$name-cons.out" "${OFFLINE[@]}" SERVICES=xivo-services MASTER_NODE=xivo1 sh "$EXAMPLES/constraints.sh"
    [ "$(xpath_count "//rsc_location[@id='berofos-services-on-master'][@rsc='xivo-services'][@node='xivo1'][@score='50']")" = 1 ] \
        || fail "$name: constraints.sh gave the services no preference for xivo1"
    run "$T/$name-policy.out" "${OFFLINE[@]}" "$@" sh "$EXAMPLES/fencing-policy.sh"
    [ "$(xpath_count "//cluster_property_set/nvpair[@name='stonith-enabled'][@value='true']")" = 1 ] \
        || fail "$name: stonith-enabled is not true"
    [ "$(xpath_count "//cluster_property_set/nvpair[@name='priority-fencing-delay'][@value='10s']")" = 1 ] \
        || fail "$name: no priority-fencing-delay=10s"
    run "$T/$name-verify.out" crm_verify --xml-file "$XBE_CIB"
    # Both nodes up, quorum: where do things land?
    run "$T/$name-up.out" crm_simulate --xml-file "$XBE_CIB" --node-up xivo1 --node-up xivo2 \
        --quorum 1 --simulate --save-output "$T/$name-up.xml"
    grep -q 'xivo-services.*Started xivo1' "$T/$name-up.out" \
        || { cat "$T/$name-up.out" >&2; fail "$name: services not on xivo1"; }
    grep -q 'Promoted: \[ xivo1 \]' "$T/$name-up.out" \
        || { cat "$T/$name-up.out" >&2; fail "$name: berofos not Promoted on xivo1"; }
    # Lose each node in turn: the fence op's priority-fencing-delay.
    for lost in xivo1 xivo2; do
        run "$T/$name-lost-$lost.out" crm_simulate --xml-file "$T/$name-up.xml" \
            --node-fail "$lost" --quorum 1 --simulate --save-graph "$T/$name-graph-$lost.xml"
        grep -q "operation_key=\"stonith-$lost-reboot\"" "$T/$name-graph-$lost.xml" \
            || fail "$name: losing $lost schedules no fence of $lost"
        grep -o 'CRM_meta_priority_fencing_delay="[0-9]*"' "$T/$name-graph-$lost.xml" \
            | sort -u >"$T/$name-delay-$lost"
    done
    [ "$(cat "$T/$name-delay-xivo1")" = 'CRM_meta_priority_fencing_delay="10"' ] \
        || fail "$name: fence of xivo1 (services, Promoted) has $(cat "$T/$name-delay-xivo1"), want 10"
    [ "$(cat "$T/$name-delay-xivo2")" = 'CRM_meta_priority_fencing_delay="0"' ] \
        || fail "$name: fence of xivo2 has $(cat "$T/$name-delay-xivo2"), want 0"
}
policy services SERVICES=xivo-services
[ "$(xpath_count "//primitive[@id='xivo-services']/meta_attributes/nvpair[@name='priority'][@value='10']")" = 1 ] \
    || fail "services: no priority=10 on xivo-services"
ok "fencing-policy.sh SERVICES=xivo-services: crm_verify clean; fence of the services node delayed 10 s, of the other 0"
policy clone
[ "$(xpath_count "//clone[@id='berofos-clone']/meta_attributes/nvpair[@name='priority'][@value='10']")" = 1 ] \
    || fail "clone: no priority=10 on berofos-clone"
ok "fencing-policy.sh without SERVICES: fence of the Promoted node delayed 10 s, of the Unpromoted 0"
# Pacemaker's rule behind the clone variant: with priority 0 the Promoted
# instance does not count +1, so nothing is delayed.
run "$T/zero.out" "${OFFLINE[@]}" pcs resource meta berofos-clone priority=0
run "$T/zero-up.out" crm_simulate --xml-file "$XBE_CIB" --node-up xivo1 --node-up xivo2 \
    --quorum 1 --simulate --save-output "$T/zero-up.xml"
run "$T/zero-lost.out" crm_simulate --xml-file "$T/zero-up.xml" --node-fail xivo1 --quorum 1 \
    --simulate --save-graph "$T/zero-graph.xml"
[ "$(grep -o 'CRM_meta_priority_fencing_delay="[0-9]*"' "$T/zero-graph.xml" | sort -u)" \
    = 'CRM_meta_priority_fencing_delay="0"' ] || fail "priority=0: the Promoted node still wins"
ok "priority=0 on the clone: no delay (a Promoted instance counts +1 only when priority is not 0)"
echo "pcs-examples offline: all checks passed"
