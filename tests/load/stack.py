"""A `tierstack up --detach` topology for the soak and chaos runs: its own
state directory (never the developer's var/tierstack), its components from
state.json, a staff account, and the workload driver started against its load
balancer. Shared by tests/load/soak and tests/load/chaos."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"  # Debian's: the driver needs nothing beyond the standard library


def _die_with_parent():
    """In a child before exec: SIGTERM when the run's process dies, even by
    SIGKILL, so a killed soak or chaos run leaves no workload behind."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop_on_signals():
    """SIGTERM and SIGHUP end the run as Ctrl-C does: the caller's `finally`
    stops the workload and takes its topology down (no process or directory
    left behind). A second signal during that clean-up is ignored."""
    def handler(signum, _frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        log("signal %d: stopping the run and taking the topology down" % signum)
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, handler)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


class Stack:
    def __init__(self, bin_dir, db="sqlite", isolated=False, shop_env=None, topology=None):
        self.bin_dir = os.path.abspath(bin_dir)
        self.tierstack = os.path.join(self.bin_dir, "tierstack")
        self.db, self.isolated = db, isolated
        self.owned = topology is None
        if self.owned:
            # PostgreSQL and Prometheus run as their own users: the directory
            # must be traversable by them, so not under a 0700 home.
            self.dir = tempfile.mkdtemp(prefix="ts-load-")
            os.chmod(self.dir, 0o755)
            self.topology = os.path.join(self.dir, "topology.toml")
            self.state_dir = os.path.join(self.dir, "state")
            with open(self.topology, "w") as t:
                t.write('root = "%s"\nstate_dir = "%s"\nbin_dir = "%s"\nzones = ["a", "b"]\n' %
                        (ROOT, self.state_dir, self.bin_dir))
                t.write('[database]\nengine = "%s"\n' % db)
                t.write('[templates]\nnginx = "deploy/nginx"\nprometheus = "deploy/local/prometheus.yml.tmpl"\n')
                t.write('[web]\nper_zone = 1\nworkers = 1\n')
                t.write('[monitoring]\nprometheus_port = 0\nnode_exporter_port = 0\nscrape_interval = "5s"\n')
                t.write('[[app]]\nname = "shop"\nenv_prefix = "SHOP"\nurl_name = "store"\nseed = true\n'
                        'payment_gateway = "sandbox"\n'
                        'proxy_paths = ["/api/", "/account/", "/payments/", "/images/"]\n'
                        'static_root = "%s"\n' % os.path.join(self.dir, "no-frontend"))
                if shop_env:
                    t.write("[app.env]\n")
                    for k, v in shop_env.items():
                        t.write('%s = "%s"\n' % (k, v))
                t.write('[[app]]\nname = "microblog"\nenv_prefix = "MICROBLOG"\noptional = true\n')
        else:
            self.topology = os.path.abspath(topology)
            self.dir = None
            self.state_dir = None
        self.up_ = False

    def cmd(self, *args, timeout=180, check=False):
        r = subprocess.run([self.tierstack, "--topology", self.topology] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("tierstack %s failed (%d):\n%s" % (" ".join(args), r.returncode, r.stdout[-3000:]))
        return r

    def up(self):
        if self.owned:
            args = ["up", "--detach", "--db", self.db] + (["--isolated"] if self.isolated else [])
            log("tierstack", " ".join(args))
            self.cmd(*args, timeout=300, check=True)
            self.up_ = True
        else:
            out = self.cmd("urls", check=True).stdout
            m = re.search(r"state\S*\s+(\S+)", out)
            self.state_dir = m.group(1) if m else None
        self.load_state()

    def load_state(self):
        if self.state_dir is None:
            # A topology we did not write: ask tierstack where its state is.
            with open(self.topology) as f:
                m = re.search(r'^state_dir\s*=\s*"([^"]+)"', f.read(), re.M)
            sd = m.group(1) if m else "var/tierstack"
            self.state_dir = sd if os.path.isabs(sd) else os.path.join(ROOT, sd)
        with open(os.path.join(self.state_dir, "state.json")) as f:
            self.state = json.load(f)
        self.components = {c["name"]: c for c in self.state["components"]}
        lb = self.components["lb"]
        self.lb_host = lb["host"]
        self.store_port = lb["app_ports"]["shop"]
        self.microblog_port = lb["app_ports"].get("microblog")

    def apps(self):
        self.load_state()
        return [c for c in self.state["components"] if c["tier"] == "app"]

    def down(self):
        if self.owned and self.up_:
            log("tierstack down")
            r = self.cmd("down", timeout=300)
            self.up_ = r.returncode != 0
            return r
        return None

    def cleanup(self):
        if self.owned and self.dir and not self.up_:
            shutil.rmtree(self.dir, ignore_errors=True)

    def status(self):
        """{instance: (ready, pid)} from `tierstack status`."""
        out = self.cmd("status", timeout=60).stdout
        res = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) >= 6 and f[0] in self.components and f[2] in ("app", "web", "lb", "monitoring"):
                res[f[0]] = (f[5], f[3])
        return res

    def all_ready(self):
        st = self.status()
        names = [n for n, c in self.components.items() if c["tier"] in ("app", "web", "lb")]
        return all(st.get(n, ("?",))[0] == "yes" for n in names), st

    def create_admin(self, name, password):
        """A staff account for the admin order views, made with the shop's own
        `create-admin` command in the environment of a running instance (the
        same database URL and secret), as an operator would."""
        shop = next(c for c in self.apps() if c["app"] == "shop")
        pid = shop["pid"]
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = dict(kv.split("=", 1) for kv in f.read().decode().split("\0") if "=" in kv)
        env = {k: v for k, v in env.items() if k.startswith("SHOP_") or k == "PATH"}
        env["SHOP_ADMIN_PASSWORD"] = password
        exe = os.readlink("/proc/%d/exe" % pid)
        cmd = [exe, "create-admin", "--username", name, "--email", name + "@example.com"]
        if shop.get("netns"):
            cmd = ["ip", "netns", "exec", shop["netns"]] + cmd
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("shop create-admin: " + r.stdout)
        self.shop_env = env

    def shop_db_url(self):
        return self.shop_env["SHOP_DATABASE_URL"]

    def in_shop_netns(self, cmd):
        """With --isolated only the app tier reaches PostgreSQL: run there."""
        shop = next(c for c in self.apps() if c["app"] == "shop")
        return (["ip", "netns", "exec", shop["netns"]] if shop.get("netns") else []) + cmd

    def orders_for(self, tag):
        """{idempotency key: [order ids]} for this run's checkouts, read from the
        shop's database (the primary with PostgreSQL)."""
        url = self.shop_db_url()
        sql = ("SELECT idempotency_key, id FROM shop_orders WHERE idempotency_key LIKE 'checkout:%s-%%'" % tag)
        if url.startswith("sqlite:"):
            import sqlite3
            path = re.sub(r"^sqlite:(//)?", "", url)
            con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
            rows = con.execute(sql).fetchall()
            con.close()
        else:
            r = subprocess.run(self.in_shop_netns(["psql", "-X", "-A", "-t", "-F", ",", "-d", url, "-c", sql]),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
            if r.returncode != 0:
                raise RuntimeError("psql: " + r.stderr)
            rows = [line.split(",") for line in r.stdout.split()]
        out = {}
        for key, oid in rows:
            out.setdefault(key[len("checkout:"):], []).append(int(oid))
        return out

    def leftovers(self):
        """What a stopped topology must not leave: processes whose command line
        names the state directory, and (with --isolated) namespaces or the
        operator link named after it."""
        left = []
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == os.getpid():
                continue
            try:
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    cl = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if self.dir and self.dir in cl:
                left.append("process %s: %s" % (p, cl[:120]))
        nsid = self.netns_id()
        if nsid:
            ns = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE, text=True).stdout
            left += ["namespace " + l.split()[0] for l in ns.splitlines() if l.startswith(nsid)]
            links = subprocess.run(["ip", "-o", "link"], stdout=subprocess.PIPE, text=True).stdout
            left += ["link " + nsid for l in links.splitlines() if (" %s@" % nsid) in l or (" %s:" % nsid) in l]
        return left

    def netns_id(self):
        for c in getattr(self, "components", {}).values():
            if c.get("netns"):
                return "-".join(c["netns"].split("-")[:2])  # ts-<id>-priv-a -> ts-<id>
        return None


class Driver:
    """The workload driver (workload.py) as a child process."""

    def __init__(self, stack, out, rate, seconds, tag, seed=1, patience=60, sources=None, netns=None, admin=None):
        self.out = out
        os.makedirs(out, exist_ok=True)
        host = stack.lb_host
        args = [PYTHON, os.path.join(HERE, "workload.py"), "--store", "%s:%d" % (host, stack.store_port),
                "--rate", str(rate), "--seconds", str(seconds), "--out", out, "--tag", tag, "--seed", str(seed),
                "--checkout-patience", str(patience)]
        if stack.microblog_port:
            args += ["--microblog", "%s:%d" % (host, stack.microblog_port)]
        if sources:
            args += ["--sources", ",".join(sources)]
        if admin:
            args += ["--admin", admin]
        if netns:
            args = ["ip", "netns", "exec", netns] + args
        self.log = open(os.path.join(out, "driver.log"), "w")
        self.p = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.ready_file = os.path.join(out, "ready")

    def wait_ready(self, timeout=180):
        t = time.time()
        while not os.path.exists(self.ready_file):
            if self.p.poll() is not None:
                raise RuntimeError("the workload driver exited during its set-up:\n" + self.tail())
            if time.time() - t > timeout:
                raise RuntimeError("the workload driver did not finish its set-up in %d s" % timeout)
            time.sleep(0.2)

    def tail(self):
        self.log.flush()
        with open(os.path.join(self.out, "driver.log")) as f:
            return f.read()[-3000:]

    def running(self):
        return self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()

    def summary(self):
        with open(os.path.join(self.out, "summary.json")) as f:
            return json.load(f)

    def stats(self):
        """Latest (requests, failed) the driver reported."""
        try:
            with open(os.path.join(self.out, "stats.csv")) as f:
                last = f.read().strip().splitlines()[-1].split(",")
            return int(last[1]), int(last[2])
        except (OSError, IndexError, ValueError):
            return 0, 0

    def acks(self):
        import csv
        with open(os.path.join(self.out, "acks.csv")) as f:
            return list(csv.DictReader(f))

    def requests(self):
        import csv
        with open(os.path.join(self.out, "requests.csv")) as f:
            return list(csv.DictReader(f))


def reconcile(stack, driver, tag):
    """Acknowledged orders against the database: (acked, lost, duplicated,
    unacknowledged orders in the database, details)."""
    acks = driver.acks()
    db = stack.orders_for(tag)
    lost, dup, details = 0, 0, []
    seen = set()
    for a in acks:
        k = a["key"]
        if k in seen:
            dup += 1
            details.append("key %s acknowledged twice" % k)
        seen.add(k)
        ids = db.get(k, [])
        if int(a["order_id"]) not in ids:
            lost += 1
            details.append("acknowledged order %s (key %s) not in the database (found %s)" % (a["order_id"], k, ids))
    for k, ids in db.items():
        if len(ids) > 1:
            dup += 1
            details.append("key %s has %d orders: %s" % (k, len(ids), ids))
    unacked = len([k for k in db if k not in seen])
    return len(acks), lost, dup, unacked, details


def proc_sample(pid, reads=10, spacing=0.04):
    """(RSS KiB, peak RSS KiB, open fds, threads) of a process, or None when it
    is gone. RSS is the lowest of ten reads 40 ms apart: every password hash
    (argon2id, m = 19 MiB) holds 19 MiB for some 30-100 ms and frees it, and
    that working set must not be mistaken for growth; the highest read is
    kept as the peak."""
    try:
        rss, thr = [], 0
        for i in range(reads):
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss.append(int(line.split()[1]))
                    elif line.startswith("Threads:"):
                        thr = int(line.split()[1])
            if i + 1 < reads:
                time.sleep(spacing)
        fds = len(os.listdir("/proc/%d/fd" % pid))
        return min(rss), max(rss), fds, thr
    except (OSError, ValueError):
        return None


def group_cpu_ticks(groups, driver_pid):
    """utime+stime ticks per process of the given process groups, and the
    driver's under the key "driver"."""
    out = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                f_ = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pgrp, ticks = int(f_[2]), int(f_[11]) + int(f_[12])
        if int(p) == driver_pid:
            out["driver"] = ticks
        elif pgrp in groups:
            out[int(p)] = ticks
    return out


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v), idle


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr, flush=True)
