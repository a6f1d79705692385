#!/usr/bin/env python3
"""Soak load for a running `vigil serve`: pushes, queries and reloads at steady rates for a fixed time.

Every minute it samples the server's RSS, CPU and threads and the latency percentiles and error counts of each kind of
request, and appends a row to a CSV. At the end it checks that every pushed sample the server acknowledged can be read
back with its timestamp and value, prints a table and writes a Markdown summary. Only loopback addresses are used.
Exit code: 0 when no request failed and no acknowledged sample is missing, 1 otherwise.
"""
import argparse
import csv
import datetime as dt
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse

KINDS = ["push_text", "push_json", "query_instant", "query_heavy", "query_range", "reload"]
TEXT_SERIES = 50
JSON_SERIES = 20

LIGHT_QUERIES = [
    "up",
    "sum(rate(soak_text[1m]))",
    'soak_json{series="3"}',
    "count by (__name__) ({__name__=~\"soak_.*\"})",
    "soak:text:rate1m",
    "max_over_time(soak_json[5m])",
    "histogram_quantile(0.9, sum by (le) (rate(soak_latency_bucket[1m])))",
    "ALERTS",
    "process_resident_memory_bytes",
]
HEAVY_QUERIES = [
    "count_over_time(soak_text[30m])",
    "max_over_time(sum(rate(soak_text[1m]))[10m:1s])",
    "quantile_over_time(0.99, soak_json[30m])",
    "topk(5, sum by (series) (rate(soak_text[5m])))",
    "sort_desc(avg_over_time(deriv(soak_json[2m])[15m:5s]))",
    "sum without (series) (soak_text) / on () group_left sum(soak_json)",
]
RANGE_QUERIES = [
    "sum(rate(soak_text[1m]))",
    "avg by (series) (soak_json)",
    "rate(process_cpu_seconds_total[1m])",
    "soak:text:rate1m",
]


class Recorder:
    """Latencies and errors per kind: for the current minute and for the whole run. Thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.minute = {k: [] for k in KINDS}
        self.minute_errors = {k: 0 for k in KINDS}
        self.all = {k: [] for k in KINDS}
        self.errors = {k: 0 for k in KINDS}
        self.examples = {k: [] for k in KINDS}

    def add(self, kind, seconds, error=None):
        with self.lock:
            self.minute[kind].append(seconds)
            self.all[kind].append(seconds)
            if error is not None:
                self.minute_errors[kind] += 1
                self.errors[kind] += 1
                if len(self.examples[kind]) < 5:
                    self.examples[kind].append(error[:300])

    def take_minute(self):
        with self.lock:
            m, e = self.minute, self.minute_errors
            self.minute = {k: [] for k in KINDS}
            self.minute_errors = {k: 0 for k in KINDS}
            return m, e


def pct(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    i = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[i] * 1000.0


class Client:
    """One keep-alive HTTP connection per worker thread."""

    def __init__(self, host, port, timeout=120):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


def timed(rec, kind, fn):
    start = time.monotonic()
    try:
        status, body = fn()
        ok = 200 <= status < 300
        if ok and kind.startswith("query"):
            ok = json.loads(body).get("status") == "success"
        rec.add(kind, time.monotonic() - start, None if ok else f"HTTP {status}: {body[:300]!r}")
        return ok, status, body
    except Exception as e:  # noqa: BLE001 - every failure of a request is counted and reported
        rec.add(kind, time.monotonic() - start, f"{type(e).__name__}: {e}")
        return False, 0, b""


def every(interval, stop, fn):
    next_at = time.monotonic()
    while not stop.is_set():
        fn()
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            next_at = time.monotonic()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--sample-seconds", type=float, default=60)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--summary", required=True)
    a = ap.parse_args()
    host = "127.0.0.1"
    rec = Recorder()
    stop = threading.Event()
    acked_lock = threading.Lock()
    acked = {}  # (metric, series) -> {timestamp_ms: value}
    seq = {"text": 0, "json": 0}

    def push_text():
        c = push_text.client
        seq["text"] += 1
        n = seq["text"]
        t = int(time.time() * 1000)
        lines = [f'soak_text{{series="{i}"}} {n * 1000 + i} {t}' for i in range(TEXT_SERIES)]
        body = ("# TYPE soak_text gauge\n" + "\n".join(lines) + "\n").encode()
        ok, _, _ = timed(rec, "push_text", lambda: c.request("POST", "/api/v1/import/prometheus", body, {"Content-Type": "text/plain; version=0.0.4"}))
        if ok:
            with acked_lock:
                for i in range(TEXT_SERIES):
                    acked.setdefault(("soak_text", str(i)), {})[t] = float(n * 1000 + i)

    push_text.client = Client(host, a.port)

    def push_json():
        c = push_json.client
        seq["json"] += 1
        n = seq["json"]
        now = dt.datetime.now(dt.timezone.utc)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        t_ms = int(now.timestamp() * 1000)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        items = [{"metric_name": "soak_json", "value": n + i / 100.0, "metric_type": "Gauge", "unit": "ms",
                  "tags": {"series": str(i)}, "source": "soak", "timestamp": stamp} for i in range(JSON_SERIES)]
        items += [{"metric_name": "soak_latency", "value": random.expovariate(20), "metric_type": "Histogram", "unit": "s",
                   "tags": {"route": "/r%d" % (k % 3)}} for k in range(5)]
        body = json.dumps(items).encode()
        ok, _, _ = timed(rec, "push_json", lambda: c.request("POST", "/api/v1/push", body, {"Content-Type": "application/json"}))
        if ok:
            with acked_lock:
                for i in range(JSON_SERIES):
                    acked.setdefault(("soak_json", str(i)), {})[t_ms] = n + i / 100.0

    push_json.client = Client(host, a.port)

    def query(kind, client, expr, rng=None):
        p = {"query": expr}
        if rng:
            end = time.time()
            p.update({"start": f"{end - rng[0]:.3f}", "end": f"{end:.3f}", "step": rng[1]})
            path = "/api/v1/query_range?" + urllib.parse.urlencode(p)
        else:
            path = "/api/v1/query?" + urllib.parse.urlencode(p)
        timed(rec, kind, lambda: client.request("GET", path))

    qi = Client(host, a.port)
    qh = Client(host, a.port)
    qr = Client(host, a.port)
    rl = Client(host, a.port)
    workers = [
        lambda: every(1.0, stop, push_text),
        lambda: every(1.0, stop, push_json),
        lambda: every(0.2, stop, lambda: query("query_instant", qi, random.choice(LIGHT_QUERIES))),
        lambda: every(5.0, stop, lambda: query("query_heavy", qh, random.choice(HEAVY_QUERIES))),
        lambda: every(1.0, stop, lambda: query("query_range", qr, random.choice(RANGE_QUERIES),
                                              random.choice([(900, "15s"), (1800, "5s"), (3600, "60s")]))),
        lambda: every(30.0, stop, lambda: timed(rec, "reload", lambda: rl.request("POST", "/-/reload"))),
    ]
    threads = [threading.Thread(target=w, daemon=True) for w in workers]

    ticks = os.sysconf("SC_CLK_TCK")

    def proc_sample():
        with open(f"/proc/{a.pid}/status") as f:
            st = dict(line.split(":", 1) for line in f if ":" in line)
        rss = int(st["VmRSS"].split()[0]) / 1024.0
        thr = int(st["Threads"])
        with open(f"/proc/{a.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        size = 0
        for root, _, files in os.walk(a.data_dir):
            for name in files:
                try:
                    size += os.path.getsize(os.path.join(root, name))
                except OSError:
                    pass
        return rss, thr, cpu, size / 1048576.0

    header = ["minute", "rss_mb", "cpu_pct", "threads", "data_dir_mb"]
    for k in KINDS:
        header += [f"{k}_count", f"{k}_errors", f"{k}_p50_ms", f"{k}_p99_ms", f"{k}_max_ms"]
    rows = []
    rss0, _, cpu_prev, _ = proc_sample()
    t_prev = time.monotonic()
    start = time.monotonic()
    deadline = start + a.minutes * 60
    for th in threads:
        th.start()
    print(f"soak: {a.minutes:g} min against 127.0.0.1:{a.port} (pid {a.pid}), RSS at start {rss0:.0f} MB", flush=True)
    with open(a.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        while time.monotonic() < deadline:
            time.sleep(min(a.sample_seconds, max(0.0, deadline - time.monotonic())))
            try:
                rss, thr, cpu, size = proc_sample()
            except (OSError, KeyError):
                print("soak: the server process is gone", flush=True)
                break
            now = time.monotonic()
            cpu_pct = 100.0 * (cpu - cpu_prev) / max(1e-9, now - t_prev)
            cpu_prev, t_prev = cpu, now
            m, e = rec.take_minute()
            row = [f"{(now - start) / 60:.1f}", f"{rss:.1f}", f"{cpu_pct:.1f}", thr, f"{size:.1f}"]
            for k in KINDS:
                row += [len(m[k]), e[k], f"{pct(m[k], 50):.1f}", f"{pct(m[k], 99):.1f}", f"{(max(m[k]) * 1000 if m[k] else 0):.1f}"]
            w.writerow(row)
            f.flush()
            rows.append(row)
            print(f"  {row[0]:>5} min  RSS {rss:7.1f} MB  CPU {cpu_pct:5.1f} %  threads {thr:3d}  data {size:7.1f} MB  "
                  + "  ".join(f"{k} {len(m[k])}/{e[k]}err p99 {pct(m[k], 99):.0f}ms" for k in KINDS if m[k]), flush=True)
    stop.set()
    for th in threads:
        th.join(timeout=150)

    # Every acknowledged sample must be readable with its timestamp and value.
    time.sleep(2)
    verify = Client(host, a.port)
    end = time.time() + 1
    window = int(a.minutes * 60 + 300)
    total = missing = wrong = 0
    examples = []
    with acked_lock:
        expected = {k: dict(v) for k, v in acked.items()}
    for (metric, series), samples in sorted(expected.items()):
        total += len(samples)
        path = "/api/v1/query?" + urllib.parse.urlencode({"query": f'{metric}{{series="{series}"}}[{window}s]', "time": f"{end:.3f}"})
        try:
            status, body = verify.request("GET", path)
            result = json.loads(body)["data"]["result"] if status == 200 else []
        except Exception as ex:  # noqa: BLE001 - a failed read counts every sample of the series as missing
            result = []
            examples.append(f"{metric}{{series={series}}}: {ex}")
        got = {}
        for r in result:
            for ts, v in r["values"]:
                got[int(round(float(ts) * 1000))] = float(v)
        for ts, v in samples.items():
            if ts not in got:
                missing += 1
                if len(examples) < 5:
                    examples.append(f"{metric}{{series=\"{series}\"}} @ {ts}: missing")
            elif abs(got[ts] - v) > 1e-9 * max(1.0, abs(v)):
                wrong += 1
                if len(examples) < 5:
                    examples.append(f"{metric}{{series=\"{series}\"}} @ {ts}: {got[ts]} != {v}")

    rss_values = [float(r[1]) for r in rows]
    lines = []
    lines.append(f"Soak of {a.minutes:g} min ({len(rows)} samples of {a.sample_seconds:g} s), ended {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.")
    lines.append("")
    lines.append("| request kind | requests | errors | p50 ms | p90 ms | p99 ms | max ms |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for k in KINDS:
        v = rec.all[k]
        lines.append(f"| {k} | {len(v)} | {rec.errors[k]} | {pct(v, 50):.1f} | {pct(v, 90):.1f} | {pct(v, 99):.1f} | {(max(v) * 1000 if v else 0):.1f} |")
    lines.append("")
    if rss_values:
        lines.append(f"Server RSS: {rss0:.0f} MB at start, {rss_values[0]:.0f} MB after the first minute, "
                     f"peak {max(rss_values):.0f} MB, {rss_values[-1]:.0f} MB at the end "
                     f"(last third of the run: {min(rss_values[len(rss_values) * 2 // 3:]):.0f}–{max(rss_values[len(rss_values) * 2 // 3:]):.0f} MB).")
    lines.append(f"Acknowledged pushed samples: {total}; read back: {total - missing - wrong}; missing: {missing}; wrong value: {wrong}.")
    for k in KINDS:
        for ex in rec.examples[k]:
            lines.append(f"- {k} error: {ex}")
    for ex in examples:
        lines.append(f"- verification: {ex}")
    text = "\n".join(lines) + "\n"
    with open(a.summary, "w") as f:
        f.write(text)
    print()
    print(text)
    failed = sum(rec.errors.values()) + missing + wrong
    return 0 if failed == 0 and total > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
