# syntax=docker/dockerfile:1
# One image for the whole platform; the command picks the process (deploy/entrypoint.py):
#   docker build -t cmdi-platform .
#   docker run cmdi-platform gateway | projects | assessment | stakeholders | integrations | reporting
#   docker run cmdi-platform migrate projects | assessment | stakeholders | integrations | all
# deploy/compose.yaml runs them all; tests/deploy/test_image_and_compose.py checks this file.
#
# Base: Python 3.11 on Debian 12 (bookworm), the interpreter and distribution the test suites run
# on. For a release, pin the digest as well, e.g.
#   FROM python:3.11-slim-bookworm@sha256:<digest>
# with the digest that `docker buildx imagetools inspect python:3.11-slim-bookworm` prints.

FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# Dependencies first (their layer is reused until the lock changes). Only the runtime part of the
# lock goes in (deploy/lock_subset.py: no pytest, mypy or hadolint in production), every file
# checked against its hash, and only wheels: nothing is compiled, so no stage needs a compiler.
COPY requirements.in requirements.lock ./
COPY deploy/lock_subset.py deploy/
RUN python deploy/lock_subset.py requirements.lock --runtime requirements.in > /tmp/runtime.txt \
    && python deploy/lock_subset.py requirements.lock --packages setuptools > /tmp/build.txt \
    && python -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes --only-binary=:all: -r /tmp/build.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes --only-binary=:all: -r /tmp/runtime.txt

# Our packages, built as wheels offline with the hashed build backend above and installed
# non-editable: the image runs installed code, not a source checkout. A data service finds its
# alembic environment two directories above its package (`<service>/main.py`: ALEMBIC_INI), so
# each is installed into services/<name>/src beside its alembic.ini and migrations, the layout
# of the repository, and put on the interpreter's path by a .pth file.
COPY shared/ shared/
COPY services/ services/
COPY cli/ cli/
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --no-index --wheel-dir /tmp/wheels \
        ./shared ./services/projects ./services/assessment ./services/stakeholders \
        ./services/integrations ./services/reporting ./services/gateway ./cli \
    && /opt/venv/bin/pip install --no-deps --no-index /tmp/wheels/cmdi_shared-*.whl \
        /tmp/wheels/cmdi_reporting_service-*.whl /tmp/wheels/cmdi_gateway-*.whl \
        /tmp/wheels/cmdi_cli-*.whl \
    && site="$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
    && for service in projects assessment stakeholders integrations; do \
        /opt/venv/bin/pip install --no-deps --no-index --target "/app/services/${service}/src" \
            /tmp/wheels/cmdi_"${service}"_service-*.whl \
        && echo "/app/services/${service}/src" >> "${site}/cmdi-services.pth"; \
    done


FROM python:3.11-slim-bookworm AS runtime

# A fixed uid/gid, so volumes and Kubernetes' runAsUser/fsGroup can name it.
ARG APP_UID=10001
RUN groupadd --system --gid "${APP_UID}" cmdi \
    && useradd --system --uid "${APP_UID}" --gid cmdi --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin cmdi

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000

WORKDIR /app
RUN install -d -o "${APP_UID}" -g "${APP_UID}" -m 0750 /app/var

# The virtual environment, the data services' installed packages and, beside them, only what
# migrating and starting need: the entrypoint, scripts.migrate with the service table it reads,
# and each data service's alembic environment.
# Owned by root and read-only to the process; var/ (SQLite files and the development signing key,
# outside production) is the one place it may write.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app/services/ /app/services/
COPY deploy/entrypoint.py /app/deploy/
COPY scripts/__init__.py scripts/services.py scripts/migrate.py /app/scripts/
COPY services/projects/alembic.ini /app/services/projects/
COPY services/projects/migrations/ /app/services/projects/migrations/
COPY services/assessment/alembic.ini /app/services/assessment/
COPY services/assessment/migrations/ /app/services/assessment/migrations/
COPY services/stakeholders/alembic.ini /app/services/stakeholders/
COPY services/stakeholders/migrations/ /app/services/stakeholders/migrations/
COPY services/integrations/alembic.ini /app/services/integrations/
COPY services/integrations/migrations/ /app/services/integrations/migrations/

USER ${APP_UID}:${APP_UID}
EXPOSE 8000
STOPSIGNAL SIGTERM
# Liveness of whichever process runs (every one serves /healthz on $PORT); the one-shot `migrate`
# containers switch it off in compose.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "deploy.entrypoint", "healthcheck"]
ENTRYPOINT ["python", "-m", "deploy.entrypoint"]
CMD ["gateway"]
