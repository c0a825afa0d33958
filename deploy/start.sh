#!/usr/bin/env bash
# Start one CMDI process with uvicorn:
# deploy/start.sh <projects|assessment|stakeholders|reporting|gateway>
set -euo pipefail
cd "$(dirname "$0")/.."
case "$1" in
  gateway)      app=gateway.main:create_app;              port=${PORT:-8000} ;;
  projects)     app=projects_service.main:create_app;     port=${PORT:-8001} ;;
  assessment)   app=assessment_service.main:create_app;   port=${PORT:-8002} ;;
  stakeholders) app=stakeholders_service.main:create_app; port=${PORT:-8003} ;;
  reporting)    app=reporting_service.main:create_app;    port=${PORT:-8004} ;;
  *) echo "usage: $0 <projects|assessment|stakeholders|reporting|gateway>" >&2; exit 2 ;;
esac
exec .venv/bin/python -m uvicorn "$app" --factory --host "${HOST:-127.0.0.1}" --port "$port" \
  --no-access-log --proxy-headers --forwarded-allow-ips=127.0.0.1
