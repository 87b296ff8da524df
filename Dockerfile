# creditdesk as a container: `docker compose up` (compose.yaml) runs PostgreSQL, the schema
# migration (a one-off `creditdesk db upgrade`) and then the server.
#   docker build -t creditdesk .
#   docker run --rm -e CREDITDESK_DATABASE_URL=postgresql://… creditdesk db upgrade
#   docker run -p 8000:8000 -e CREDITDESK_DATABASE_URL=postgresql://… creditdesk
ARG PYTHON_VERSION=3.11

# ---- build: the dependencies exactly as locked (hashes checked), then the project, into /opt/venv
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock
COPY pyproject.toml README.md /src/
COPY src /src/src
RUN /opt/venv/bin/pip install --no-deps /src

# ---- runtime: the virtual environment, no compilers, no sources, not root
FROM python:${PYTHON_VERSION}-slim AS runtime
# LightGBM's wheel needs the GNU OpenMP runtime.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 creditdesk \
    && useradd --system --uid 10001 --gid creditdesk --home-dir /srv/creditdesk --create-home creditdesk \
    && install --directory --owner creditdesk --group creditdesk /srv/creditdesk/var
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CREDITDESK_HOST=0.0.0.0 \
    CREDITDESK_PORT=8000 \
    CREDITDESK_VAR_DIR=/srv/creditdesk/var
WORKDIR /srv/creditdesk
USER creditdesk:creditdesk
EXPOSE 8000
# /readyz: the database answers and its schema is at head (503 otherwise). Loopback, so /metrics
# answers here too without a token.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]
ENTRYPOINT ["creditdesk"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
