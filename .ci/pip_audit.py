"""pip-audit against the pinned requirements, without a fake pass.

Run by `make lint` and `.ci/run`:  .venv/bin/python .ci/pip_audit.py

pip-audit skips every package its vulnerability service does not answer for
and, without --strict, still says "No known vulnerabilities found" and exits
0.  On the machines this project is built on, pypi.org is a mirror that
answers the project JSON (/pypi/<name>/json) but 404 for the per-release JSON
(/pypi/<name>/<version>/json) that pip-audit's default service reads, and the
OSV service (api.osv.dev) does not resolve: every package is skipped.  So this
script reads pip-audit's JSON report and says which of three things happened:

* every package audited and no known vulnerability: exit 0;
* a known vulnerability in a pinned package: list it, exit 1;
* packages that could not be audited (or the service could not be reached):
  print "pip-audit SKIPPED" with the reason and the packages, and exit 0 —
  the audit did not run, which is not a pass — or exit 1 when
  PIP_AUDIT_REQUIRED=1 (for machines that can reach the service).
"""

import json
import os
import subprocess  # nosec B404 - runs pip-audit from the project's own virtual environment
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = ROOT / ".venv" / "bin" / "pip-audit"


def main():
    required = os.environ.get("PIP_AUDIT_REQUIRED") == "1"
    command = [str(PIP_AUDIT), "-r", "requirements.txt", "--format", "json", "--progress-spinner", "off"]
    command += os.environ.get("PIP_AUDIT_ARGS", "").split()
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)  # nosec B603
    except subprocess.TimeoutExpired:
        print("pip-audit SKIPPED: no answer within 600 s (the vulnerability service did not respond).")
        return 1 if required else 0
    try:
        report = json.loads(result.stdout or "null")
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict):
        reason = (result.stderr or result.stdout).strip().splitlines()
        print(f"pip-audit SKIPPED: it produced no report (exit {result.returncode}).")
        print("\n".join(reason[-15:]))
        return 1 if required else 0

    dependencies = report.get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixed})")
    if vulnerable:
        print(f"pip-audit FAILED: known vulnerabilities in {len(vulnerable)} pinned package(s).")
        return 1
    audited = len(dependencies) - len(skipped)
    if skipped:
        reasons = sorted({dep["skip_reason"].split(":")[0] for dep in skipped})
        print(
            f"pip-audit SKIPPED for {len(skipped)} of {len(dependencies)} packages (requirements.txt and what "
            f"they pull in): the vulnerability service could not audit them ({'; '.join(reasons)}). "
            f"No vulnerability was found in the {audited} audited; the others were NOT checked."
        )
        print("Not audited: " + ", ".join(f"{dep['name']} {dep.get('version', '')}".strip() for dep in skipped))
        return 1 if required else 0
    print(f"pip-audit: all {audited} packages audited, no known vulnerabilities.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
