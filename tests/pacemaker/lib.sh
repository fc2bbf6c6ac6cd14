# Helpers for Pacemaker end-to-end tests (bash; source it).  They read the
# cluster the machine-friendly way: XML output of crm_resource / crm_mon.

# wait_for SECONDS WHAT CMD [ARG...]: run CMD every 0.25 s until it succeeds;
# fail (return 1, message on stderr) after SECONDS.  Prints the time taken.
wait_for() {
    local limit=$1 what=$2 start now
    shift 2
    start=$(date +%s%N)
    while :; do
        if "$@" >/dev/null 2>&1; then
            now=$(date +%s%N)
            echo "  $what: $(( (now - start) / 1000000 )) ms" >&2
            return 0
        fi
        now=$(date +%s%N)
        if (( (now - start) / 1000000000 >= limit )); then
            echo "TIMEOUT after ${limit}s waiting for: $what" >&2
            return 1
        fi
        sleep 0.25
    done
}

# role_of RESOURCE: prints one "NODE ROLE" line per active instance, ROLE as
# crm_mon says it: Promoted, Unpromoted, Started (plain resource), Stopping...
# RESOURCE is the primitive id (berofos, not berofos-clone).  Nothing when it
# runs nowhere.  Read from `crm_mon -1 --output-as=xml`, where each instance is
#   <resource id="berofos" ... role="Promoted" active="true" ...>
#     <node name="vm" id="1" cached="true"/>
# (`crm_resource --locate` says "promoted" but prints nothing for unpromoted.)
role_of() {
    crm_mon -1 --output-as=xml 2>/dev/null | awk -v id="$1" '
        /<resource / { role = ""; if (index($0, "id=\"" id "\"")) {
                           match($0, /role="[^"]*"/); role = substr($0, RSTART + 6, RLENGTH - 7) } }
        /<node name=/ && role != "" && role != "Stopped" {
                           match($0, /name="[^"]*"/); print substr($0, RSTART + 6, RLENGTH - 7), role }
        /<\/resource>/ || /<resource .*\/>/ { role = "" }'
}

# promoted_on RESOURCE NODE: true when RESOURCE is Promoted on NODE.
promoted_on() { role_of "$1" | grep -qx "$2 Promoted"; }

# unpromoted_on RESOURCE NODE: true when RESOURCE runs Unpromoted on NODE.
unpromoted_on() { role_of "$1" | grep -qx "$2 Unpromoted"; }

# started_on RESOURCE NODE: true when a plain resource runs on NODE.
started_on() { role_of "$1" | grep -qx "$2 Started"; }

# stopped RESOURCE: true when RESOURCE runs nowhere.
stopped() { [ -z "$(role_of "$1")" ]; }

# failed_ops RESOURCE: the <failure .../> lines of crm_mon for RESOURCE
# (attributes op_key, node, exitcode, exitreason, interval, task...).
failed_ops() {
    crm_mon -1 --output-as=xml 2>/dev/null | grep '<failure ' |
        grep "op_key=\"$1_" || true
}

# has_failure RESOURCE: true when crm_mon lists a failed action of RESOURCE.
has_failure() { [ -n "$(failed_ops "$1")" ]; }

# not CMD [ARG...]: negation usable as a wait_for command.
not() { ! "$@"; }

# promotion_score RESOURCE NODE: the promotion score (master-RESOURCE node
# attribute) the agent set on NODE; empty if none.
promotion_score() {
    crm_attribute --promotion="$1" -N "$2" -G -q 2>/dev/null || true
}

# cib_has XPATH: true when the CIB has an element matching XPATH.
cib_has() { cibadmin -Q --xpath "$1" >/dev/null 2>&1; }

# settle [SECONDS]: wait until the scheduler has nothing left to do for the
# current CIB (no race with a change just made, unlike polling S_IDLE).
settle() { crm_resource --wait --timeout="${1:-30}s"; }

# promote_count STATE_DIR RESOURCE: how many promote actions the controller
# has run so far (from pacemaker.log; one "Result of" line per call).
promote_count() {
    grep -o "call=[0-9]* key=$2_promote_0" "$1/pacemaker.log" 2>/dev/null | sort -u | wc -l
}

# idle: true when the controller of this node (the DC, on one node) has no
# transition in progress.
idle() { crmadmin -q -S "$(crm_node -n)" 2>&1 | grep -qx S_IDLE; }
