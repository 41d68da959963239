#!/usr/bin/python3
"""Summarises a scripts/scan.sh run: wapiti's JSON reports, sqlmap's logs and results files, and
the 5xx answers in the server log. Prints counts per scanner and role and every finding with its
URL and parameter; exits 1 if there is any finding or any 5xx.

Usage: scan-report.py WORK_DIR ROLE...
"""

import collections
import json
import os
import re
import sys

WORK, ROLES = sys.argv[1], sys.argv[2:]

# wapiti findings that are advice this portal deliberately does not follow.
EXEMPT = {
    # The XSS auditor X-XSS-Protection drove is gone from every browser, and "1" could itself be
    # abused; OWASP's secure-headers project advises not sending it. The strict CSP does the job.
    ("HTTP Secure Headers", "X-XSS-Protection is not set"),
}


def wapiti_coverage(role):
    """What the wapiti log says about coverage: URLs and forms found, modules cut short."""
    try:
        with open(os.path.join(WORK, f"wapiti-{role}.log"), errors="replace") as f:
            log = f.read()
    except OSError:
        return ""
    found = re.search(r"Wapiti found (\d+) URLs and forms", log)
    cut = re.findall(r"Max attack time was reached for module (\w+)", log)
    return (f"{found.group(1) if found else '?'} URLs/forms crawled"
            + (f", time bound hit by {','.join(cut)}" if cut else ", every module finished"))


def wapiti(role):
    """(findings, exempted, error) for a role's wapiti report."""
    path = os.path.join(WORK, f"wapiti-{role}.json")
    if not os.path.exists(path):
        return [], [], "no report (wapiti failed or timed out; see wapiti-%s.log)" % role
    with open(path) as f:
        report = json.load(f)
    found, exempt = [], []
    for section in ("vulnerabilities", "anomalies"):
        for category, items in report.get(section, {}).items():
            for item in items:
                # The request line shows the payload, e.g. GET /partner/customers?q=%2Fe%00
                raw = item.get("http_request") or ""
                example = raw.split("\n", 1)[0]
                if "\n\n" in raw:  # a form post: show its body too
                    example += " " + raw.split("\n\n", 1)[1].replace("\n", " ")
                row = (category, item.get("method", ""), item.get("path", ""),
                       item.get("parameter", ""), item.get("info", "").replace("\n", " "), example)
                (exempt if (category, item.get("info")) in EXEMPT else found).append(row)
    return found, exempt, None


def sqlmap(role):
    """(injection points, candidates sqlmap ruled out, 5xx answers seen, forms/URLs tested,
    completed, error) for a role's sqlmap run."""
    log_path = os.path.join(WORK, f"sqlmap-{role}.log")
    if not os.path.exists(log_path):
        return [], [], 0, 0, False, "no log"
    with open(log_path, errors="replace") as f:
        log = f.read()
    # The results file lists every candidate (header: Target URL,Place,Parameter,Technique(s),
    # Note(s)); sqlmap re-tests each and notes the ones it rules out. Those are shown, not counted.
    points, ruled_out = [], []
    csv_path = os.path.join(WORK, f"sqlmap-{role}.csv")
    if os.path.exists(csv_path):
        with open(csv_path, errors="replace") as f:
            rows = [line.strip() for line in f if line.strip()][1:]
        for row in rows:
            (ruled_out if row.endswith("false positive or unexploitable") else points).append(row)
    errors = sum(int(n) for n in re.findall(r"\b5\d\d \([^)]*\) - (\d+) times", log))
    targets = len(re.findall(r"^\[\d+/(?:\d+|\?)\] (?:Form|URL):", log, re.M))
    targets += log.count("parsing HTTP request from")  # a raw request (-r) is one target
    return points, ruled_out, errors, targets, "[*] ending @" in log, None


def server_5xx():
    """{(method, path, status): count} of 5xx answers in the server log, {(method, path, detail):
    count} of the logged causes, and the number of panics."""
    counts, causes = collections.Counter(), collections.Counter()
    panics = 0
    span = re.compile(r"request\{method=(\S+) path=(\S+)")
    with open(os.path.join(WORK, "server.log"), errors="replace") as f:
        for line in f:
            line = re.sub(r"\x1b\[[0-9;]*m", "", line)
            if "panicked" in line:
                panics += 1
            failed = re.search(r'request failed .*method=(\S+) path="([^"]*)" detail="(.*)"$', line)
            if failed:
                causes[failed.groups()] += 1
            status = re.search(r"\bstatus=(5\d\d)\b", line)
            if status and "finished processing request" in line:
                where = span.search(line)
                method, path = where.groups() if where else ("?", "?")
                counts[(method, path, status.group(1))] += 1
    return counts, causes, panics


def main():
    total = 0
    print("wapiti (vulnerabilities + anomalies; exempted advice not counted)")
    for role in ROLES:
        found, exempt, error = wapiti(role)
        total += len(found) + (1 if error else 0)
        note = f"  ({len(exempt)} exempted; {wapiti_coverage(role)})"
        print(f"  {role:11} {len(found):5} finding(s){note}" + (f"  ERROR: {error}" if error else ""))
        grouped = collections.defaultdict(list)
        for category, method, path, parameter, info, example in found:
            grouped[(category, method, path, parameter, info)].append(example)
        for (category, method, path, parameter, info), examples in grouped.items():
            print(f"      {len(examples):4} x [{category}] {method} {path} param={parameter or '-'}: "
                  f"{info[:160]}" + (f"\n             e.g. {examples[0][:200]}" if examples[0] else ""))
    print("sqlmap (injection points; 5xx answers it saw)")
    # Extra runs (the partner's raw multipart Add Partner request) sit beside the role runs.
    extra = sorted(name[len("sqlmap-"):-len(".log")] for name in os.listdir(WORK)
                   if name.startswith("sqlmap-") and name.endswith(".log")
                   and name[len("sqlmap-"):-len(".log")] not in ROLES)
    for role in ROLES + extra:
        points, ruled_out, errors, targets, completed, error = sqlmap(role)
        total += len(points) + errors + (1 if error else 0)
        bound = "all done" if completed else "stopped at the time bound"
        print(f"  {role:11} {len(points):5} injection point(s), {errors} 5xx answer(s), "
              f"{targets} form(s)/URL(s) started ({bound})" + (f"  ERROR: {error}" if error else ""))
        for point in points:
            print(f"      {point}")
        for candidate in ruled_out:
            print(f"      (ruled out by sqlmap, not counted: {candidate})")
    counts, causes, panics = server_5xx()
    print(f"server log: {sum(counts.values())} 5xx answer(s), {panics} panic(s)")
    for (method, path, status), n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"      {n:5} x {status} {method} {path}")
    if causes:
        print("  logged causes:")
    for (method, path, detail), n in sorted(causes.items(), key=lambda kv: -kv[1]):
        print(f"      {n:5} x {method} {path}: {detail[:200]}")
    total += sum(counts.values()) + panics
    for role in ROLES:
        log = os.path.join(WORK, f"proxy-{role}.log")
        if os.path.exists(log):
            with open(log) as f:
                stats = [line.strip() for line in f if "requests=" in line]
            if stats:
                print(f"proxy: {stats[-1]}")
    print(f"\nTOTAL: {total} (goal: 0). Reports and logs: {WORK}")
    return 1 if total else 0


sys.exit(main())
