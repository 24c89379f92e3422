#!/usr/bin/env bash
# Nightly caseload check: a dated HTML report and JSON results, for cron, e.g.
#   30 2 * * *  /opt/caseload/nightly.sh /srv/cases /srv/caseload-reports
# Exit status: 0 all clear; 1 errors found; 2 a file could not be read.
set -euo pipefail

cases="${1:-cases}"
reports="${2:-reports}"
keep_days="${KEEP_DAYS:-90}"
stamp="$(date +%Y-%m-%d)"
# Links in the report follow PROTOCOL_CHECKS_HANDBOOK_URL (for example your intranet copy).

mkdir -p "$reports"
status=0
cache="$reports/.cache"   # results of unchanged files are reused on the next night
protocol-checks report "$cases" -o "$reports/caseload-$stamp.html" --cache "$cache" \
  || status=$?
checked=0
protocol-checks validate "$cases" --format json -o "$reports/caseload-$stamp.json" \
  --no-progress --cache "$cache" || checked=$?
if [ "$checked" -gt "$status" ]; then status=$checked; fi
ln -sfn "caseload-$stamp.html" "$reports/latest.html"
find "$reports" -name 'caseload-*' -mtime +"$keep_days" -delete
exit "$status"
