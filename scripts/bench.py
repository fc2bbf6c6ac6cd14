"""The measurements of scripts/bench (run that, not this: it builds the binaries first).

Every figure is a whole process (start-up, config, lock, HTTP, exit) against
berofos-sim on loopback, release builds. Timings come from hyperfine -N when it is
installed (else from this script, which adds ~1 ms of spawn overhead per run).
"""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BENCH_BIN") or os.path.join(ROOT, "target/release/xivo-berofos")
SIM = os.path.join(ROOT, "target/release/berofos-sim")
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
HANG_RUNS = int(os.environ.get("BENCH_HANG_RUNS", "10"))
WRITE = os.environ.get("BENCH_WRITE") == "1"
HYPERFINE = shutil.which("hyperfine")
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
NODE = "xivo-a"
SLOW_MS = 50


class Sim:
    """A berofos-sim; dies with its stdin (i.e. with this script)."""

    def __init__(self, n, *args):
        self.dir = tempfile.mkdtemp(prefix="bench-")
        self.log = os.path.join(self.dir, "requests.jsonl")
        self.config = os.path.join(self.dir, "bnfos.conf")
        self.proc = subprocess.Popen(
            [SIM, "--devices", str(n), "--log", self.log, "--write-config", self.config,
             "--exit-with-stdin", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = json.loads(self.proc.stdout.readline())
        self.env = dict(os.environ, BEROFOS_GBL4_PORT=str(self.ready["udp_port"]),
                        XIVO_BEROFOS_LOCK_DIR=self.dir)
        self.env.pop("XIVO_BEROFOS_PASSWORD", None)

    def config_of(self, n):
        """A config file with the first n sections."""
        text = open(self.config).read()
        parts = text.split("[fos")
        path = os.path.join(self.dir, f"bnfos-{n}.conf")
        with open(path, "w") as f:
            f.write(parts[0] + "".join("[fos" + p for p in parts[1:n + 1]))
        os.chmod(path, 0o600)
        return path

    def requests(self):
        try:
            with open(self.log) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def stop(self):
        self.proc.stdin.close()
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def time_cmd(argv, env, runs=RUNS, prepare=None):
    """Wall times (s) of `runs` runs of argv, after 3 warm-up runs."""
    if HYPERFINE:
        out = tempfile.mktemp(suffix=".json")
        cmd = [HYPERFINE, "-N", "--style", "none", "--warmup", "3", "--runs", str(runs),
               "-i", "--export-json", out]
        if prepare:
            cmd += ["--prepare", prepare]
        subprocess.run(cmd + [" ".join(argv)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as f:
            res = json.load(f)["results"][0]
        os.unlink(out)
        return res["times"], res.get("exit_codes", [])
    times, codes = [], []
    for i in range(runs + 3):
        if prepare:
            subprocess.run(prepare, shell=True, env=env)
        t = time.perf_counter()
        r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= 3:
            times.append(time.perf_counter() - t)
            codes.append(r.returncode)
    return times, codes


def peak_rss_kib(argv, env):
    if not GNU_TIME:
        return None
    r = subprocess.run([GNU_TIME, "-v", *argv], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    for line in r.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1])
    return None


def ms(s):
    return f"{s * 1000:.1f}"


rows = []      # (measurement, median ms, p90 ms, note)
targets = []   # (target, figure, held)


def row(name, times, note=""):
    rows.append((name, ms(statistics.median(times)), ms(pct(times, 0.9)), note))
    return statistics.median(times)


def agent_env(sim, config, extra=None):
    rsc = os.path.join(sim.dir, "rsctmp")
    os.makedirs(rsc, exist_ok=True)
    env = dict(sim.env, OCF_ROOT="/usr/lib/ocf", OCF_RESOURCE_INSTANCE="berofos",
               OCF_RESKEY_config=config, OCF_RESKEY_master_node=NODE,
               OCF_RESKEY_CRM_meta_on_node=NODE, OCF_RESKEY_timeout="1",
               HA_RSCTMP=rsc, HA_SBIN_DIR=os.path.join(sim.dir, "no-sbin"),
               # A recurring operation (not a probe), and no Pacemaker tool on PATH:
               # the benchmark never touches a cluster that may run here.
               OCF_RESKEY_CRM_meta_interval="10000", PATH="/usr/bin:/bin",
               HA_LOGFACILITY="none")
    env.update(extra or {})
    return env


def main():
    print(f"xivo-berofos bench: {RUNS} runs per figure"
          f" ({'hyperfine -N' if HYPERFINE else 'timed by bench.py'}), release build",
          file=sys.stderr)
    sim = Sim(16)
    try:
        # Interleaved rounds, so that load from elsewhere hits 1, 4 and 16 alike.
        rounds = max(1, RUNS // 10)
        times = {n: [] for n in (1, 4, 16)}
        codes = {n: [] for n in (1, 4, 16)}
        confs = {n: sim.config_of(n) for n in (1, 4, 16)}
        for _ in range(rounds):
            for n in (1, 4, 16):
                t, c = time_cmd([BIN, "-q", "-c", confs[n], "master"], sim.env,
                                runs=max(1, RUNS // rounds))
                times[n] += t
                codes[n] += c
        med = {}
        for n in (1, 4, 16):
            bad = sum(1 for c in codes[n] if c)
            med[n] = row(f"master, {n} berofos", times[n], f"{bad} failed runs" if bad else "")
        ratio = med[16] / med[1]
        targets.append(("master: 16 berofos <= 1.5x the time of 1",
                        f"{ratio:.2f}x ({ms(med[16])} / {ms(med[1])} ms)", ratio <= 1.5))
        rss = peak_rss_kib([BIN, "-q", "-c", sim.config_of(16), "master"], sim.env)
        rss_rows = [("master, 16 berofos", rss)]
    finally:
        sim.stop()

    # Every berofos slow to answer (50 ms): 16 must cost what 1 costs, since they are
    # switched in parallel.
    sim = Sim(16, "--fault", f"all=slow:{SLOW_MS}")
    try:
        rounds = max(1, RUNS // 10)
        times = {n: [] for n in (1, 16)}
        codes = {n: [] for n in (1, 16)}
        confs = {n: sim.config_of(n) for n in (1, 16)}
        for _ in range(rounds):
            for n in (1, 16):
                t, c = time_cmd([BIN, "-q", "-c", confs[n], "master"], sim.env,
                                runs=max(1, RUNS // rounds))
                times[n] += t
                codes[n] += c
        med = {}
        for n in (1, 16):
            bad = sum(1 for c in codes[n] if c)
            med[n] = row(f"master, {n} berofos, each answering in {SLOW_MS} ms", times[n],
                         f"{bad} failed runs" if bad else f"berofos-sim --fault all=slow:{SLOW_MS}")
        ratio = med[16] / med[1]
        targets.append((f"master, every berofos answering in {SLOW_MS} ms: 16 berofos <= 1.1x the time of 1",
                        f"{ratio:.2f}x ({ms(med[16])} / {ms(med[1])} ms)", ratio <= 1.1))
    finally:
        sim.stop()

    # 8 berofos, one hangs: when were the 7 healthy ones switched, and the total.
    sim = Sim(8, "--fault", "8=hang")
    try:
        healthy, totals = [], []
        for _ in range(HANG_RUNS):
            seen = len(sim.requests())
            t0 = time.time()
            p0 = time.perf_counter()
            subprocess.run([BIN, "-q", "-t", "1", "-c", sim.config, "master"], env=sim.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            totals.append(time.perf_counter() - p0)
            new = [r for r in sim.requests()[seen:]
                   if r["face"] == "http" and (r.get("query") or "").startswith("cmd=4")]
            done = [r["ts_ms"] for r in new if r["device"] != 8]
            if len(done) == 7:
                healthy.append(max(done) / 1000 - t0)
            else:
                healthy.append(float("inf"))
        h = row("master, 8 berofos, 1 hangs (-t 1): 7 healthy switched", healthy,
                "from process start to the 7th write in the simulator's log (ms clock)")
        row("master, 8 berofos, 1 hangs (-t 1): whole process", totals, "exit 1, names fos8")
        targets.append(("7 healthy berofos switched within 0.1 s although one hangs",
                        f"{ms(h)} ms median, {ms(max(healthy))} ms worst", max(healthy) <= 0.1))
    finally:
        sim.stop()

    # Requests per device per switch, with a login: as the vendor's client, the first
    # request goes without credentials and is refused (401), the write goes again with
    # them, then one read of config.txt (credentials at once: the berofos asked)
    # proves the relay moved (master reads back, as the agent's promote does: a 2xx
    # from something that is not a berofos is no switch).
    sim = Sim(4, "--login", "all=admin:pw")
    try:
        subprocess.run([BIN, "-q", "-c", sim.config, "master"], env=sim.env, check=True)
        http = [r for r in sim.requests() if r["face"] == "http"]
        asks = [sum(1 for r in http if r["device"] == k and r.get("status") == 401)
                for k in range(1, 5)]
        writes = [sum(1 for r in http if r["device"] == k and r.get("status") == 200
                      and (r.get("query") or "").startswith("cmd="))
                  for k in range(1, 5)]
        reads = [sum(1 for r in http if r["device"] == k and r.get("status") == 200
                     and r.get("path") == "/config.txt")
                 for k in range(1, 5)]
        per = [a + w + r for a, w, r in zip(asks, writes, reads)]
        rows.append(("HTTP requests per device, master with login = admin:pw",
                     str(max(per)), str(max(per)),
                     f"401 asks {asks}, writes {writes}, read-backs {reads}"))
        targets.append(("master with a login: one 401, one write, one read-back per device",
                        f"401 asks {asks}, writes {writes}, read-backs {reads}",
                        all(a == 1 for a in asks) and all(w == 1 for w in writes)
                        and all(r == 1 for r in reads)))
    finally:
        sim.stop()

    # The agent (only once it is built).
    probe = subprocess.run([BIN, "ocf", "meta-data"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        for what in ("ocf meta-data", "ocf promote, 1 and 16 berofos",
                     "ocf monitor (promoted), 1 and 16 berofos"):
            rows.append((what, "–", "–", "skipped: agent not built"))
        for what in ("promoted monitor <= 10 ms median", "meta-data <= 3 ms"):
            targets.append((what, "skipped: agent not built", None))
    else:
        t, _ = time_cmd([BIN, "ocf", "meta-data"], dict(os.environ))
        md = row("ocf meta-data", t)
        targets.append(("ocf meta-data <= 3 ms", f"{ms(md)} ms median", md <= 0.003))
        rss_rows.append(("ocf meta-data", peak_rss_kib([BIN, "ocf", "meta-data"], dict(os.environ))))
        sim = Sim(16, "--login", "all=admin:pw")
        try:
            mon = {}
            promote_writes = []
            for n in (1, 16):
                conf = sim.config_of(n)
                env = agent_env(sim, conf)
                # Pacemaker starts an instance before it promotes it (stop first: the
                # previous round left it promoted).
                for action in ("stop", "start"):
                    subprocess.run([BIN, "ocf", action], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, check=True)
                t, codes = time_cmd([BIN, "ocf", "promote"], env)
                bad = sum(1 for c in codes if c != 0)
                row(f"ocf promote, {n} berofos", t, f"{bad} runs not 0" if bad else "")
                seen = len(sim.requests())
                subprocess.run([BIN, "ocf", "promote"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                writes, reads, asks = {}, {}, {}
                for r in sim.requests()[seen:]:
                    if r["face"] == "http":
                        w = (r.get("query") or "").startswith("cmd=")
                        d = asks if r.get("status") == 401 else writes if w else reads
                        d[r["device"]] = d.get(r["device"], 0) + 1
                w = [writes.get(k, 0) for k in range(1, n + 1)]
                rd = [reads.get(k, 0) for k in range(1, n + 1)]
                a = [asks.get(k, 0) for k in range(1, n + 1)]
                promote_writes += w
                rows.append((f"HTTP requests per device, one ocf promote, {n} berofos (with login)",
                             str(max(x + y + z for x, y, z in zip(a, w, rd))), "",
                             f"401 asks {min(a)}..{max(a)}, writes {min(w)}..{max(w)}, "
                             f"read-backs {min(rd)}..{max(rd)} per device"))
                t, codes = time_cmd([BIN, "ocf", "monitor"], env)
                bad = sum(1 for c in codes if c != 8)
                mon[n] = row(f"ocf monitor (promoted), {n} berofos", t,
                             f"{bad} runs not 8" if bad else "exit 8")
                if n == 16:
                    rss_rows.append(("ocf monitor (promoted), 16 berofos", peak_rss_kib([BIN, "ocf", "monitor"], env)))
            targets.append(("ocf promote: exactly one applied write per device (with login)",
                            f"{min(promote_writes)}..{max(promote_writes)} per device",
                            set(promote_writes) == {1}))
            targets.append(("promoted ocf monitor <= 10 ms median",
                            f"{ms(mon[1])} ms (1), {ms(mon[16])} ms (16)",
                            max(mon.values()) <= 0.010))
        finally:
            sim.stop()

    peak = max((r for _, r in rss_rows if r), default=None)
    targets.append(("peak RSS <= 8 MiB",
                    ", ".join(f"{w}: {r / 1024:.1f} MiB" if r else f"{w}: ?" for w, r in rss_rows),
                    None if peak is None else peak <= 8 * 1024))

    report(rss_rows)


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0]
    ver = subprocess.run([BIN, "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} CPU ({model}), Linux {platform.release()}, "
            f"load {load:.2f} at the end; {ver}")


def report(rss_rows):
    lines = []
    lines.append(f"Machine: {machine()}")
    lines.append(f"Runs: {RUNS} per figure after 3 warm-up runs (master 1/4/16 in"
                 f" interleaved rounds of 10) "
                 f"({'hyperfine -N' if HYPERFINE else 'timed by bench.py'}); "
                 f"the hang case {HANG_RUNS} runs.")
    lines.append("")
    lines.append("| measurement | median ms | p90 ms | note |")
    lines.append("|---|---:|---:|---|")
    for name, med, p90, note in rows:
        lines.append(f"| {name} | {med} | {p90} | {note} |")
    for what, kib in rss_rows:
        lines.append(f"| peak RSS, {what} | {kib / 1024:.1f} MiB |  | /usr/bin/time -v |"
                     if kib else f"| peak RSS, {what} | ? |  | /usr/bin/time missing |")
    lines.append("")
    lines.append("| target | figure | |")
    lines.append("|---|---|---|")
    for what, fig, held in targets:
        mark = "skipped" if held is None else ("held" if held else "MISSED")
        lines.append(f"| {what} | {fig} | {mark} |")
    text = "\n".join(lines)
    print(text)
    if WRITE:
        path = os.path.join(ROOT, "docs/bench.md")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        head = open(path).read().split("<!-- bench -->")[0] if os.path.exists(path) else (
            "# Benchmarks\n\nRegenerate with `BENCH_WRITE=1 scripts/bench`.\n\n")
        with open(path, "w") as f:
            f.write(head + "<!-- bench -->\n" + text + "\n")
        print(f"\nwritten: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
