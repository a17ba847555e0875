#!/usr/bin/python3
"""The soak and chaos workload: shop and microblog traffic through the load
balancer at a fixed rate, as real visitors would send it.

Open loop: a dispatcher starts one *action* every 1/rate seconds (a page
view, a login, a checkout, ...; most are one request, a few are two, such as
reading a form for its CSRF token and sending it), whatever the answers
take, so a slow server shows as latency instead of a lower rate. Every
request goes on a fresh connection bound to one of several loopback
addresses, because the apps limit logins and registrations per client
address; the driver also keeps its own per-address and per-account budgets
below those limits (docs/security.md), so a correct stack answers every
request as expected and a refusal (429) is a failure like any other.

Files written into --out (read by tests/load/soak and tests/load/chaos):
  acks.csv      one line per checkout the shop acknowledged (201 and an order
                id), written and flushed at the moment it is acknowledged:
                key,order_id,user_id,first_sent,acknowledged (unix seconds)
  requests.csv  every request: start,end,label,method,status,ok,idempotent
  stats.csv     per interval: time, requests, failed, actions behind schedule
  summary.json  at the end: totals per route label, pending and abandoned
                checkouts, the rate achieved
Stops by itself after --seconds (bounded), or earlier on SIGTERM/SIGINT.
"""

import argparse
import base64
import csv
import http.client
import json
import os
import queue
import random
import re
import signal
import sys
import threading
import time
import urllib.parse

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Bucket:
    """A token bucket mirroring one of the server's limits (burst, refill per
    second), kept a little below it so the client never meets the limit."""

    def __init__(self, burst, per_second):
        self.capacity = burst
        self.tokens = float(burst)
        self.rate = per_second
        self.t = time.monotonic()
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.t) * self.rate)
            self.t = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class Source:
    """One client address with the budgets the apps keep per address
    (per instance; mirrored for one instance, which is the strictest case)."""

    def __init__(self, ip):
        self.ip = ip
        # shop: register burst 10 then 20/h; login 60 then 30/min.
        self.shop_register = Bucket(8, 16 / 3600)
        self.shop_login = Bucket(40, 20 / 60)
        # microblog: form and API registration share 20 then 10/h; logins and
        # token requests like the shop's.
        self.mb_register = Bucket(16, 8 / 3600)
        self.mb_login = Bucket(40, 20 / 60)


class Recorder:
    def __init__(self, out):
        self.lock = threading.Lock()
        self.req = open(os.path.join(out, "requests.csv"), "w", buffering=1)
        self.req.write("start,end,label,method,status,ok,idempotent\n")
        self.acks = open(os.path.join(out, "acks.csv"), "w", buffering=1)
        self.acks.write("key,order_id,user_id,first_sent,acknowledged\n")
        self.totals = {}  # label -> [count, failed, latencies]
        self.requests = 0
        self.failed = 0
        self.behind = 0
        self.failures = []

    def request(self, start, end, label, method, status, ok, idempotent, detail=""):
        with self.lock:
            self.req.write("%.3f,%.3f,%s,%s,%d,%d,%d\n" % (start, end, label, method, status, ok, idempotent))
            t = self.totals.setdefault(label, [0, 0, []])
            t[0] += 1
            t[2].append(end - start)
            self.requests += 1
            if not ok:
                t[1] += 1
                self.failed += 1
                if len(self.failures) < 200:
                    self.failures.append("%.3f %s %s -> %d %s" % (start, method, label, status, detail[:160]))

    def ack(self, key, order_id, user_id, first_sent, acked):
        with self.lock:
            self.acks.write("%s,%d,%d,%.3f,%.3f\n" % (key, order_id, user_id, first_sent, acked))
            self.acks.flush()


class Http:
    def __init__(self, host, port, rec):
        self.host, self.port, self.rec = host, port, rec

    def call(self, src, method, path, label, body=None, headers=None, expect=(200,), idempotent=None,
             timeout=20):
        """One request on a fresh connection from `src`; records it and returns
        (status, body bytes, response headers or None)."""
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT")
        h = dict(headers or {})
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                h.setdefault("Content-Type", "application/json")
            else:
                data = body.encode() if isinstance(body, str) else body
                h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        start = time.time()
        status, payload, rh, detail = 0, b"", None, ""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout, source_address=(src.ip, 0))
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            payload = r.read()
            status, rh = r.status, r.msg
        except (OSError, http.client.HTTPException) as e:
            detail = repr(e)
        finally:
            conn.close()
        end = time.time()
        ok = status in expect
        if not ok and not detail:
            detail = payload[:160].decode("utf-8", "replace")
        self.rec.request(start, end, label, method, status, ok, idempotent, detail)
        return status, payload, rh


def cookies_from(rh, jar):
    if rh is None:
        return
    for line in rh.get_all("Set-Cookie") or []:
        pair = line.split(";", 1)[0]
        if "=" in pair:
            k, v = pair.split("=", 1)
            jar[k.strip()] = v.strip()


def cookie_header(jar):
    return {"Cookie": "; ".join("%s=%s" % kv for kv in jar.items())} if jar else {}


class Workload:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.rng_lock = threading.Lock()
        os.makedirs(a.out, exist_ok=True)
        self.rec = Recorder(a.out)
        sh, sp = a.store.rsplit(":", 1)
        mh, mp = a.microblog.rsplit(":", 1) if a.microblog else (None, None)
        self.shop = Http(sh, int(sp), self.rec)
        self.mb = Http(mh, int(mp), self.rec) if mh else None
        self.sources = [Source(ip) for ip in a.sources.split(",")]
        self.tag = a.tag
        self.seq = 0
        self.lock = threading.Lock()
        self.customers = []  # dicts: name, password, id, token, address_id, src, login bucket
        self.mb_users = []   # dicts: name, password, id, jar, api_token, src
        self.products = []
        self.admin = None
        self.stop = threading.Event()
        self.held = threading.local()  # per worker: the user locks its action holds
        self.pending_checkouts = 0
        self.abandoned = 0
        self.checkout_retries = 0

    # -- helpers ---------------------------------------------------------
    def pick(self, seq):
        with self.rng_lock:
            return self.rng.choice(seq)

    def rand(self):
        with self.rng_lock:
            return self.rng.random()

    def next_id(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def source_with(self, bucket_name):
        with self.rng_lock:
            order = self.sources[:]
            self.rng.shuffle(order)
        for s in order:
            if getattr(s, bucket_name).take():
                return s
        return None

    # -- shop ------------------------------------------------------------
    def shop_register(self, src=None):
        src = src or self.source_with("shop_register")
        if src is None:
            return False
        n = self.next_id()
        name = "%s_c%d" % (self.tag, n)
        pw = "soak-pw-%s-%d" % (self.tag, n)
        st, body, _ = self.shop.call(src, "POST", "/account/register/", "shop register",
                                     {"username": name, "email": name + "@example.com", "password": pw})
        if st != 200:
            return False
        u = json.loads(body)
        c = {"name": name, "password": pw, "id": u["id"], "token": u["token"], "src": src,
             "login": Bucket(4, 3 / 60), "address_id": None, "lock": threading.Lock()}
        st, body, _ = self.shop.call(src, "POST", "/account/create-address/", "shop address create", {
            "name": name, "phone_number": "9123456789", "pin_code": "110001", "house_no": "1 Soak Street",
            "landmark": "the load test", "city": "Springfield", "state": "Oregon"},
            headers=self.bearer(c))
        if st == 200:
            c["address_id"] = json.loads(body)["id"]
            with self.lock:
                self.customers.append(c)
        return True

    def bearer(self, c):
        return {"Authorization": "Bearer " + c["token"]}

    def shop_login(self, c=None, label="shop login"):
        c = c or self.pick(self.customers)
        if not c["login"].take() or not c["src"].shop_login.take():
            return False
        st, body, _ = self.shop.call(c["src"], "POST", "/account/login/", label,
                                     {"username": c["name"], "password": c["password"]})
        if st == 200:
            c["token"] = json.loads(body)["token"]
        return True

    def customer(self):
        c = self.pick(self.customers)
        # Access tokens last 15 minutes: sign in again a little before, as the
        # front end's users do when told their session expired.
        if time.time() - c.get("token_at", time.time()) > 600:
            c["token_at"] = time.time()
            self.shop_login(c, "shop login")
        c.setdefault("token_at", time.time())
        return c

    def a_products(self):
        self.shop.call(self.pick(self.sources), "GET", "/api/products/", "shop GET /api/products/")

    def a_product(self):
        p = self.pick(self.products)
        self.shop.call(self.pick(self.sources), "GET", "/api/product/%d/" % p, "shop GET /api/product/{pk}/")

    def a_check_token(self):
        c = self.customer()
        self.shop.call(c["src"], "GET", "/payments/check-token/", "shop GET /payments/check-token/",
                       headers=self.bearer(c))

    def a_address(self):
        c = self.customer()
        self.shop.call(c["src"], "GET", "/account/all-address-details/", "shop GET addresses",
                       headers=self.bearer(c))
        if c["address_id"]:
            self.shop.call(c["src"], "PUT", "/account/update-address/%d/" % c["address_id"], "shop PUT address",
                           {"name": "", "phone_number": "", "pin_code": str(110000 + self.next_id() % 999),
                            "house_no": "", "landmark": "", "city": "", "state": ""}, headers=self.bearer(c))

    def a_card(self):
        c = self.customer()
        self.shop.call(c["src"], "POST", "/payments/create-card/", "shop POST create-card",
                       {"email": c["name"] + "@example.com", "number": "4242424242424242",
                        "exp_month": 12, "exp_year": 2040, "cvc": 123, "save_card": False},
                       headers=self.bearer(c))
        self.shop.call(c["src"], "GET", "/account/stripe-cards/", "shop GET stripe-cards", headers=self.bearer(c))

    def a_my_orders(self):
        c = self.customer()
        self.shop.call(c["src"], "GET", "/account/all-orders-list/?page=1&page_size=10", "shop GET orders (own)",
                       headers=self.bearer(c))

    def a_admin_orders(self):
        if not self.admin:
            return self.a_products()
        q = self.pick(["?page=1&page_size=20", "?page=1&delivered=false", "?page=1&paid=true&page_size=50"])
        self.shop.call(self.admin["src"], "GET", "/account/all-orders-list/" + q, "shop GET orders (admin)",
                       headers=self.bearer(self.admin))

    def a_checkout(self):
        c = self.customer()
        if not c["address_id"]:
            return
        # One order at a time per customer, as a person at a checkout page.
        if not c["lock"].acquire(blocking=False):
            return self.a_product()
        try:
            self.checkout(c)
        finally:
            c["lock"].release()

    def checkout(self, c):
        key = "%s-o%d" % (self.tag, self.next_id())
        body = {"product_id": self.pick(self.products), "address_id": c["address_id"],
                "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"},
                "save_card": False}
        first = time.time()
        with self.lock:
            self.pending_checkouts += 1
        try:
            while True:
                st, payload, _ = self.shop.call(c["src"], "POST", "/api/checkout/", "shop POST /api/checkout/", body,
                                                headers=dict(self.bearer(c), **{"Idempotency-Key": key}),
                                                expect=(201,), idempotent=True)
                if st == 201:
                    try:
                        oid = int(json.loads(payload)["id"])
                    except (ValueError, KeyError, TypeError):
                        oid = 0
                    self.rec.ack(key, oid, c["id"], first, time.time())
                    return
                if st == 401:  # token expired: sign in, same key
                    self.shop_login(c)
                elif st not in (0, 409) and st < 500:
                    with self.lock:
                        self.abandoned += 1
                    return
                # No answer, a 5xx or 409 (the key is still being processed, or
                # claimed by an instance that died): the same key again, as a
                # careful client does; the shop answers with the same order.
                if time.time() - first > self.a.checkout_patience:
                    with self.lock:
                        self.abandoned += 1
                    return
                with self.lock:
                    self.checkout_retries += 1
                time.sleep(0.5)
        finally:
            with self.lock:
                self.pending_checkouts -= 1

    def a_shop_login(self):
        if not self.shop_login():
            self.a_products()

    def a_shop_register(self):
        if not self.shop_register():
            self.a_products()

    def a_admin_deliver(self):
        if not self.admin:
            return
        st, body, _ = self.shop.call(self.admin["src"], "GET", "/account/all-orders-list/?page=1&delivered=false",
                                     "shop GET orders (admin)", headers=self.bearer(self.admin))
        if st != 200:
            return
        res = json.loads(body).get("results") or []
        if res:
            o = self.pick(res)
            self.shop.call(self.admin["src"], "PUT", "/account/change-order-status/%d/" % o["id"],
                           "shop PUT order status", {"is_delivered": True, "delivered_at": "7 December 2026"},
                           headers=self.bearer(self.admin))

    # -- microblog ---------------------------------------------------------
    def mb_register_api(self, src=None):
        src = src or self.source_with("mb_register")
        if src is None:
            return False
        n = self.next_id()
        name = "%s_u%d" % (self.tag, n)
        pw = "soak-pw-%s-%d" % (self.tag, n)
        st, body, _ = self.mb.call(src, "POST", "/api/users", "mb POST /api/users",
                                   {"username": name, "email": name + "@example.com", "password": pw},
                                   expect=(201,))
        if st != 201:
            return False
        u = {"name": name, "password": pw, "id": json.loads(body)["id"], "jar": {}, "api_token": None,
             "src": src, "login": Bucket(4, 3 / 60), "busy": threading.Lock()}
        if self.mb_login(u) and self.mb_token(u):
            with self.lock:
                self.mb_users.append(u)
        return True

    def mb_register_form(self):
        src = self.source_with("mb_register")
        if src is None:
            return self.a_explore()
        n = self.next_id()
        name = "%s_f%d" % (self.tag, n)
        pw = "soak-pw-%s-%d" % (self.tag, n)
        jar = {}
        st, body, rh = self.mb.call(src, "GET", "/auth/register", "mb GET /auth/register")
        cookies_from(rh, jar)
        m = CSRF_RE.search(body.decode("utf-8", "replace"))
        if not m:
            return
        form = urllib.parse.urlencode({"username": name, "email": name + "@example.com", "password": pw,
                                       "password2": pw, "csrf_token": m.group(1)})
        self.mb.call(src, "POST", "/auth/register", "mb POST /auth/register", form, headers=cookie_header(jar),
                     expect=(302, 303))

    def mb_login(self, u):
        if not u["login"].take() or not u["src"].mb_login.take():
            return False
        jar = {}
        st, body, rh = self.mb.call(u["src"], "GET", "/auth/login", "mb GET /auth/login")
        cookies_from(rh, jar)
        m = CSRF_RE.search(body.decode("utf-8", "replace"))
        if not m:
            return False
        form = urllib.parse.urlencode({"username": u["name"], "password": u["password"], "csrf_token": m.group(1)})
        st, _, rh = self.mb.call(u["src"], "POST", "/auth/login", "mb POST /auth/login", form,
                                 headers=cookie_header(jar), expect=(302, 303))
        if st not in (302, 303):
            return False  # keep the session the user had: a failed sign-in does not sign out
        cookies_from(rh, jar)
        u["jar"] = jar
        return True

    def mb_token(self, u):
        if not u["src"].mb_login.take():
            return False
        auth = base64.b64encode(("%s:%s" % (u["name"], u["password"])).encode()).decode()
        st, body, _ = self.mb.call(u["src"], "POST", "/api/tokens", "mb POST /api/tokens",
                                   headers={"Authorization": "Basic " + auth})
        if st == 200:
            u["api_token"] = json.loads(body)["token"]
            u["token_at"] = time.time()
        return st == 200

    def user(self):
        """A microblog user for this action, held until the action ends: one
        action at a time per user, as one person in one browser (a sign-in
        in parallel would start a new session under a form being filled in,
        and the form would rightly be refused)."""
        for _ in range(20):
            u = self.pick(self.mb_users)
            if u["busy"].acquire(blocking=False):
                break
        else:
            u = self.pick(self.mb_users)
            u["busy"].acquire()
        self.held.locks.append(u["busy"])
        if time.time() - u.get("token_at", 0) > 1800:  # API tokens last an hour
            self.mb_token(u)
        return u

    def page(self, u, path, label):
        st, body, rh = self.mb.call(u["src"], "GET", path, label, headers=cookie_header(u["jar"]))
        if 200 <= st < 400:  # an error page's cookies (if any) are not the session's
            cookies_from(rh, u["jar"])
        return body.decode("utf-8", "replace")

    def a_explore(self):
        u = self.user()
        self.page(u, self.pick(["/explore", "/explore?page=2"]), "mb GET /explore")

    def a_index(self):
        self.page(self.user(), "/index", "mb GET /index")

    def a_user_page(self):
        u, other = self.user(), self.pick(self.mb_users)
        self.page(u, "/user/" + other["name"], "mb GET /user/{username}")

    def a_popup(self):
        u, other = self.user(), self.pick(self.mb_users)
        self.page(u, "/user/%s/popup" % other["name"], "mb GET /user/{username}/popup")

    def a_inbox(self):
        u = self.user()
        if self.rand() < 0.5:
            self.page(u, "/messages", "mb GET /messages")
        else:
            self.page(u, "/notifications?since=0", "mb GET /notifications")

    def post_form(self, u, form_page, form_label, target, label, fields):
        html = self.page(u, form_page, form_label)
        m = CSRF_RE.search(html)
        if not m:
            return
        fields = dict(fields, csrf_token=m.group(1))
        st, _, rh = self.mb.call(u["src"], "POST", target, label, urllib.parse.urlencode(fields),
                                 headers=cookie_header(u["jar"]), expect=(302, 303))
        if 200 <= st < 400:
            cookies_from(rh, u["jar"])

    def a_post(self):
        u = self.user()
        self.post_form(u, "/index", "mb GET /index", "/index", "mb POST /index",
                       {"post": "soak post %d from %s" % (self.next_id(), u["name"])})

    def a_follow(self):
        u, other = self.user(), self.pick(self.mb_users)
        if other is u:
            return self.a_explore()
        verb = "follow" if self.rand() < 0.7 else "unfollow"
        self.post_form(u, "/user/" + other["name"], "mb GET /user/{username}", "/%s/%s" % (verb, other["name"]),
                       "mb POST /%s/{username}" % verb, {"submit": "Follow"})

    def a_message(self):
        u, other = self.user(), self.pick(self.mb_users)
        self.post_form(u, "/send_message/" + other["name"], "mb GET /send_message/{recipient}",
                       "/send_message/" + other["name"], "mb POST /send_message/{recipient}",
                       {"message": "hello %d" % self.next_id()})

    def a_api(self):
        u, other = self.user(), self.pick(self.mb_users)
        h = {"Authorization": "Bearer " + (u["api_token"] or "")}
        path, label = self.pick([
            ("/api/users/%d" % other["id"], "mb GET /api/users/{id}"),
            ("/api/users?page=1&per_page=10", "mb GET /api/users"),
            ("/api/users/%d/followers" % other["id"], "mb GET /api/users/{id}/followers"),
            ("/api/users/%d/following" % other["id"], "mb GET /api/users/{id}/following"),
        ])
        self.mb.call(u["src"], "GET", path, label, headers=h)

    def a_mb_login(self):
        u = self.user()
        if not self.mb_login(u):
            self.a_explore()

    def a_mb_register(self):
        if self.rand() < 0.5:
            if not self.mb_register_api():
                self.a_explore()
        else:
            self.mb_register_form()

    # -- the mix -------------------------------------------------------------
    def mix(self):
        shop = [
            (self.a_products, 14), (self.a_product, 18), (self.a_check_token, 4), (self.a_address, 4),
            (self.a_card, 2), (self.a_my_orders, 3), (self.a_admin_orders, 2), (self.a_admin_deliver, 0.3),
            (self.a_checkout, 6), (self.a_shop_login, 1), (self.a_shop_register, 0.25),
        ]
        mb = [
            (self.a_explore, 8), (self.a_index, 6), (self.a_user_page, 6), (self.a_popup, 3), (self.a_inbox, 3),
            (self.a_post, 3), (self.a_follow, 2), (self.a_message, 1), (self.a_api, 8), (self.a_mb_login, 0.5),
            (self.a_mb_register, 0.25),
        ] if self.mb else []
        acts = shop + mb
        total = sum(w for _, w in acts)
        cum, s = [], 0.0
        for f, w in acts:
            s += w / total
            cum.append((s, f))
        return cum

    def prepare(self):
        src0 = self.sources[0]
        st, body, _ = self.shop.call(src0, "GET", "/api/products/", "shop GET /api/products/")
        if st != 200:
            raise SystemExit("workload: GET /api/products/ answered %d" % st)
        self.products = [p["id"] for p in json.loads(body) if p.get("stock")]
        if not self.products:
            raise SystemExit("workload: no product in stock")
        for i in range(self.a.customers):
            self.shop_register(self.sources[i % len(self.sources)])
        if len(self.customers) < 2:
            raise SystemExit("workload: could not register customers: %s" % self.rec.failures[:3])
        if self.a.admin:
            name, pw = self.a.admin.split(":", 1)
            adm = {"name": name, "password": pw, "src": self.sources[-1], "login": Bucket(4, 3 / 60)}
            if self.shop_login(adm, "shop login"):
                self.admin = adm
            adm["token_at"] = time.time()
        if self.mb:
            for i in range(self.a.customers):
                self.mb_register_api(self.sources[(i + 7) % len(self.sources)])
            if len(self.mb_users) < 2:
                raise SystemExit("workload: could not register microblog users: %s" % self.rec.failures[:3])

    def worker(self, q):
        self.held.locks = []
        while True:
            item = q.get()
            if item is None:
                return
            try:
                item()
            except Exception as e:  # a bug in the driver, not the stack: say so
                print("workload: action %s raised %r" % (getattr(item, "__name__", item), e), file=sys.stderr)
                self.rec.request(time.time(), time.time(), "driver error", "-", 0, False, False, repr(e))
            finally:
                for lk in self.held.locks:
                    lk.release()
                self.held.locks = []

    def run(self):
        self.prepare()
        if self.admin and time.time() - self.admin["token_at"] > 600:
            pass
        cum = self.mix()
        q = queue.Queue()
        threads = [threading.Thread(target=self.worker, args=(q,), daemon=True) for _ in range(self.a.threads)]
        for t in threads:
            t.start()
        stats = open(os.path.join(self.a.out, "stats.csv"), "w", buffering=1)
        stats.write("time,requests,failed,behind\n")
        open(os.path.join(self.a.out, "ready"), "w").close()
        start = time.monotonic()
        t0 = time.time()
        end = start + self.a.seconds
        interval = 1.0 / self.a.rate
        nxt = start
        last_stat = start
        actions = 0
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= end:
                break
            if now - last_stat >= 1.0:
                stats.write("%.3f,%d,%d,%d\n" % (time.time(), self.rec.requests, self.rec.failed, q.qsize()))
                last_stat = now
                # Re-sign the admin in before its token expires.
                if self.admin and time.time() - self.admin["token_at"] > 600:
                    self.admin["token_at"] = time.time()
                    q.put(lambda: self.shop_login(self.admin, "shop login"))
            if now < nxt:
                time.sleep(min(nxt - now, 0.05))
                continue
            r = self.rand()
            for p, f in cum:
                if r <= p:
                    break
            q.put(f)
            actions += 1
            nxt += interval
            if q.qsize() > self.a.threads * 4:
                self.rec.behind += 1
        elapsed = time.time() - t0
        # Let the started actions finish (a checkout may still be retrying its key).
        for _ in threads:
            q.put(None)
        for t in threads:
            t.join(self.a.checkout_patience + 30)
        stats.write("%.3f,%d,%d,%d\n" % (time.time(), self.rec.requests, self.rec.failed, 0))
        totals = {}
        for label, (n, failed, lat) in sorted(self.rec.totals.items()):
            lat.sort()
            totals[label] = {"count": n, "failed": failed,
                             "p50_ms": round(1000 * lat[len(lat) // 2], 2),
                             "p99_ms": round(1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2)}
        summary = {"actions": actions, "seconds": round(elapsed, 1), "actions_per_second": round(actions / elapsed, 1),
                   "requests": self.rec.requests, "requests_per_second": round(self.rec.requests / elapsed, 1),
                   "failed": self.rec.failed, "pending_checkouts": self.pending_checkouts,
                   "abandoned_checkouts": self.abandoned, "checkout_retries": self.checkout_retries,
                   "customers": len(self.customers), "microblog_users": len(self.mb_users),
                   "first_failures": self.rec.failures[:50], "routes": totals}
        with open(os.path.join(self.a.out, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        return summary


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", required=True, help="host:port of the load balancer's store listener")
    p.add_argument("--microblog", help="host:port of the load balancer's microblog listener")
    p.add_argument("--rate", type=float, default=40, help="actions per second")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--sources", default=",".join("127.0.0.%d" % i for i in range(2, 51)))
    p.add_argument("--out", required=True)
    p.add_argument("--tag", default="soak%d" % int(time.time()))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=32)
    p.add_argument("--customers", type=int, default=24)
    p.add_argument("--admin", help="user:password of a staff account")
    p.add_argument("--checkout-patience", type=float, default=60,
                   help="seconds a checkout retries its key before the customer gives up")
    a = p.parse_args()
    if a.seconds > 4 * 3600:
        p.error("--seconds is bounded to 4 hours")
    w = Workload(a)
    signal.signal(signal.SIGTERM, lambda *_: w.stop.set())
    signal.signal(signal.SIGINT, lambda *_: w.stop.set())
    s = w.run()
    print(json.dumps({k: v for k, v in s.items() if k not in ("routes", "first_failures")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
