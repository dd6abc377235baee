#!/usr/bin/env python3
"""One run of bench/scale.sh against a server that has just been started.

    scale.py BASE_URL SERVER_PID STARTED_AT USERNAME PASSWORD

STARTED_AT is the Unix time (seconds, fractional) at which the server process was started.
Logs in as a director (enrolling a TOTP app and changing the first password, as a person
would), then times, each request on its own kept-alive connection:

  - how long the server took to answer /ready (the register it holds built);
  - the first case read after the start, then case reads of 50 clients, twice round;
  - writes of a person_details to a client's case, each followed by a read of that case;
  - the director's inbox page (its size too);
  - 150 searches (POST /api/search) for the first cases listed that have a name and a year
    of birth: by both as recorded, by the name with one letter left out of its last word,
    and by the phone number written without the country code, when they have one (at least
    95 % must show the person searched for among the first 50 found).

Prints one JSON object: the figures in milliseconds, the inbox in bytes, the server's
resident memory now and at its peak in MiB.
"""

import base64
import hashlib
import hmac
import http.client
import json
import statistics
import struct
import sys
import time
import urllib.parse

WRITES = 30
CLIENTS = 50
SEARCHES = 150


def totp(secret_base32, at=None):
    """RFC 6238 with the defaults an authenticator app uses: SHA-1, 30 s, 6 digits."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class Client:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None):
        """(status, body bytes, milliseconds), the time from sending to the last byte."""
        headers = {}
        if self.cookie:
            headers["Cookie"] = f"iku_session={self.cookie}"
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("iku_session="):
                self.cookie = value.split(";", 1)[0].split("=", 1)[1]
        return response.status, payload, elapsed

    def json(self, method, path, body=None, expect=200):
        status, payload, elapsed = self.request(method, path, body)
        if status != expect:
            sys.exit(f"{method} {path}: {status} {payload[:300]!r}")
        return json.loads(payload), elapsed


def wait_ready(base, started_at):
    """Milliseconds from the server's start to its first 200 from /ready."""
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            client = Client(base)
            status, _, _ = client.request("GET", "/ready")
            if status == 200:
                return (time.time() - started_at) * 1000
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit("the server was not ready within 10 minutes")


def log_in(client, username, password):
    answer, _ = client.json("POST", "/api/login", {"username": username, "password": password, "code": ""})
    if answer["status"] == "enrol_totp":
        answer, _ = client.json(
            "POST", "/api/login/enrol", {"enrolment": answer["enrolment"], "code": totp(answer["secret"])}
        )
    client.csrf = answer["csrf_token"]
    if answer["must_change_password"]:
        client.json("POST", "/api/password", {"current": password, "new": password + "-changed-for-the-bench"})


def memory_mib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    kib = lambda name: int(fields[name].split()[0])
    return kib("VmRSS") / 1024, kib("VmHWM") / 1024


def main():
    base, pid, started_at, username, password = sys.argv[1:]
    ready = wait_ready(base, float(started_at))
    client = Client(base)
    log_in(client, username, password)

    page, _ = client.json("GET", f"/api/cases?status=client&limit={CLIENTS}")
    clients = [c["person"] for c in page["cases"]]
    if len(clients) < CLIENTS:
        sys.exit(f"only {len(clients)} clients to read")
    quoted = [urllib.parse.quote(p, safe="") for p in clients]

    _, first_read = client.json("GET", f"/api/cases/{quoted[0]}")
    reads = [client.json("GET", f"/api/cases/{p}")[1] for _ in range(2) for p in quoted]

    today = time.strftime("%Y-%m-%d", time.gmtime())
    writes, reads_after = [], []
    for i in range(WRITES):
        person = quoted[i % len(quoted)]
        body = {"event": "person_details", "date": today, "name": f"Bench Write {i}"}
        _, elapsed = client.json("POST", f"/api/cases/{person}/events", body)
        writes.append(elapsed)
        reads_after.append(client.json("GET", f"/api/cases/{person}")[1])

    searches, found = [], 0
    listed, _ = client.json("GET", "/api/cases?limit=500")
    for case in listed["cases"]:
        if len(searches) >= SEARCHES:
            break
        record, _ = client.json("GET", f"/api/cases/{urllib.parse.quote(case['person'], safe='')}")
        details = record["details"]
        name, year = details["personal"].get("name"), details.get("birth_year")
        queries = []
        if name and year:
            words = name.split()
            last = words[-1]
            misspelled = " ".join(words[:-1] + [last[:1] + last[2:]])
            queries += [f"{name} {year}", f"{misspelled} {year}"]
        phone = details["personal"].get("phone")
        if phone and phone.startswith("+358 "):
            queries.append("0" + phone[5:])
        for q in queries:
            answer, elapsed = client.json("POST", "/api/search", {"query": q})
            searches.append(elapsed)
            found += any(f["person"] == record["person"] for f in answer["found"])
    if len(searches) < SEARCHES:
        sys.exit(f"only {len(searches)} searches")
    if found < 0.95 * len(searches):
        sys.exit(f"the person was found in {found} of {len(searches)} searches")

    inbox_times, inbox_bytes = [], 0
    for _ in range(5):
        status, payload, elapsed = client.request("GET", "/en/staff/")
        if status != 200:
            sys.exit(f"GET /en/staff/: {status}")
        inbox_times.append(elapsed)
        inbox_bytes = len(payload)

    rss, peak = memory_mib(pid)
    print(
        json.dumps(
            {
                "ready_ms": ready,
                "first_read_ms": first_read,
                "read_ms": statistics.median(reads),
                "read_p90_ms": statistics.quantiles(reads, n=10)[-1],
                "write_ms": statistics.median(writes),
                "write_max_ms": max(writes),
                "read_after_write_ms": statistics.median(reads_after),
                "inbox_ms": statistics.median(inbox_times),
                "search_ms": statistics.median(searches),
                "search_p90_ms": statistics.quantiles(searches, n=10)[-1],
                "searches": len(searches),
                "searches_found": found,
                "inbox_bytes": inbox_bytes,
                "rss_mib": rss,
                "peak_rss_mib": peak,
            }
        )
    )


if __name__ == "__main__":
    main()
