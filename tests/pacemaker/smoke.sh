#!/bin/bash
# Harness self-test: a real single-node cluster runs pcs-examples/ verbatim
# against an agent installed as ocf:xivo:berofos, and checks the outcome.
#
#   tests/pacemaker/smoke.sh            # with the stand-in agent (Stateful)
#   AGENT=target/debug/ocf-berofos tests/pacemaker/smoke.sh   # another agent
#
# It does NOT start berofos-sim nor check relay modes: that is the job of the
# real end-to-end test, which can copy this skeleton (start, trap, waits).
# Everything it starts (corosync, pacemakerd) is stopped by pid on every exit
# path; every wait is bounded; the whole run takes about 60 s.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EX="$ROOT/pcs-examples"
AGENT=${AGENT:-$HERE/stand-in-berofos}
INSTALLED=/usr/lib/ocf/resource.d/xivo/berofos
# shellcheck source=lib.sh
. "$HERE/lib.sh"

STATE=$(mktemp -d /tmp/pcmk-XXXX)
step() { echo "== $*" >&2; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup() {
    local rc=$?
    if [ $rc -ne 0 ]; then
        echo "--- crm_mon at failure" >&2
        crm_mon -1 -A -r 2>&1 | tail -n 30 >&2 || true
    fi
    bash "$HERE/cluster-down.sh" "$STATE" || true
    # Put back whatever agent was installed before (a packaged one), or none.
    if [ -e "$STATE/agent.orig" ]; then
        cp -p "$STATE/agent.orig" "$INSTALLED"
    else
        rm -f "$INSTALLED"
        rmdir /usr/lib/ocf/resource.d/xivo 2>/dev/null || true
    fi
    [ $rc -eq 0 ] && echo "PASS (logs in $STATE)" >&2 || echo "FAILED (logs in $STATE)" >&2
    exit $rc
}
trap cleanup EXIT
# A CI runner's timeout sends TERM: still clean up.
trap 'exit 143' TERM INT

step "cluster up"
out=$(bash "$HERE/cluster-up.sh" "$STATE")
NODE=$(sed -n 's/^node=\([^ ]*\) .*/\1/p' <<<"$out")
[ -n "$NODE" ] || fail "cluster-up.sh printed no node name"
echo "  $out" >&2

step "install $AGENT as ocf:xivo:berofos"
[ -e "$INSTALLED" ] && cp -p "$INSTALLED" "$STATE/agent.orig"
install -D -m 0755 "$AGENT" "$INSTALLED"

step "a stand-in for the XiVO services"
pcs resource create xivo-services ocf:heartbeat:Dummy op monitor interval=10s
wait_for 30 "services started" started_on xivo-services "$NODE"

step "create.sh"
MASTER_NODE="$NODE" sh "$EX/create.sh" >/dev/null
wait_for 60 "berofos promoted" promoted_on berofos "$NODE"
cib_has "//primitive[@id='berofos'][@type='berofos'][@provider='xivo']" || fail "no primitive"
cib_has "//clone[@id='berofos-clone']/meta_attributes/nvpair[@name='promotable'][@value='true']" || fail "not promotable"
cib_has "//primitive[@id='berofos']//op[@name='monitor'][@role='Promoted'][@interval='10s']" || fail "no Promoted monitor"
cib_has "//primitive[@id='berofos']//op[@name='promote'][@timeout='30s']" || fail "no promote timeout"
cib_has "//nvpair[@name='devices']" && fail "devices= set although DEVICES was empty"
score=$(promotion_score berofos "$NODE")
[ -n "$score" ] || fail "no promotion score on $NODE"
echo "  promotion score on $NODE: $score" >&2

step "constraints.sh"
SERVICES=xivo-services sh "$EX/constraints.sh" >/dev/null
cib_has "//rsc_colocation[@id='berofos-with-services'][@rsc='berofos-clone'][@rsc-role='Promoted'][@with-rsc='xivo-services'][@score='INFINITY'][@influence='false']" ||
    fail "colocation missing"
cib_has "//rsc_order[@id='berofos-after-services'][@first='xivo-services'][@first-action='start'][@then='berofos-clone'][@then-action='promote']" ||
    fail "order missing"

step "the berofos follows the services (disable/enable xivo-services)"
pcs resource disable xivo-services
wait_for 30 "berofos demoted" unpromoted_on berofos "$NODE"
pcs resource enable xivo-services
wait_for 30 "berofos promoted again" promoted_on berofos "$NODE"

step "no-failback.sh (reload, no demote)"
settle 30
promotes_before=$(promote_count "$STATE" berofos)
SERVICES=xivo-services sh "$EX/no-failback.sh" >/dev/null
cib_has "//primitive[@id='berofos']//nvpair[@name='prefer_master'][@value='false']" || fail "prefer_master not false"
cib_has "//clone[@id='berofos-clone']//nvpair[@name='resource-stickiness'][@value='INFINITY']" || fail "no stickiness"
settle 30
promoted_on berofos "$NODE" || fail "not promoted after no-failback.sh"
promotes_after=$(promote_count "$STATE" berofos)
[ "$promotes_after" = "$promotes_before" ] ||
    fail "no-failback.sh re-promoted the berofos ($promotes_before -> $promotes_after): prefer_master not reloadable?"

step "a failing berofos does not stop the services"
if [ "$AGENT" = "$HERE/stand-in-berofos" ]; then
    # Stateful's test hook: its monitor returns the code in <state>.rc.
    echo 9 > /run/Stateful-berofos.state.rc
    wait_for 30 "failure recorded" has_failure berofos
    rm -f /run/Stateful-berofos.state.rc
    started_on xivo-services "$NODE" || fail "services stopped by a berofos failure"
    failed_ops berofos | sed 's/^ */  /' >&2
    pcs resource cleanup berofos >/dev/null
    wait_for 30 "failure cleaned up" not has_failure berofos
    wait_for 30 "berofos promoted after cleanup" promoted_on berofos "$NODE"
else
    echo "  (skipped: needs the stand-in's failure hook)" >&2
fi

step "standby / unstandby"
pcs node standby "$NODE"
wait_for 30 "berofos stopped" stopped berofos
pcs node unstandby "$NODE"
wait_for 30 "berofos promoted" promoted_on berofos "$NODE"

step "remove.sh"
sh "$EX/remove.sh" >/dev/null
settle 30
cib_has "//*[@id='berofos-clone']" && fail "clone still in the CIB"
cib_has "//rsc_colocation[@id='berofos-with-services']" && fail "colocation left behind"
[ -z "$(promotion_score berofos "$NODE")" ] || fail "promotion score left behind"
started_on xivo-services "$NODE" || fail "remove.sh touched the services"
