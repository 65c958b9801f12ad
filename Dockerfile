# The reconciler as a container, for a scheduler inside the cluster's VPC (deploy/kubernetes/).
# Non-root, a pinned base, the tool installed with its own requirements.lock as constraints.
# Build: docker build -t reconciler:0.1.0 .   Run: docker run -v "$PWD:/work" reconciler:0.1.0
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /opt/reconciler
COPY requirements.lock pyproject.toml README.md ./
COPY schemas ./schemas
COPY reconciler ./reconciler
RUN pip install --no-cache-dir -c requirements.lock . \
 && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin reconciler

USER 10001
# The repository holding specs/ and reconciler.yaml is mounted (or synced) here.
WORKDIR /work
ENTRYPOINT ["reconciler"]
CMD ["pass", "specs/"]
