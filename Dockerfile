# The KEM back-office image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KEM_PROFILE=production KEM_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --system --uid 10001 --home /app kem

# The locked dependencies first (exact versions, hashes checked), in a layer of their own that a
# code change does not rebuild; then the project itself, without dependencies.
COPY requirements/base.txt ./requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY pyproject.toml README.md ./
COPY config ./config
COPY kem ./kem
COPY cases ./cases
COPY courses ./courses
COPY partners ./partners
COPY referrals ./referrals
COPY reports ./reports
COPY locale ./locale
COPY manage.py ./
RUN pip install --no-cache-dir --no-deps . \
    && KEM_PROFILE=embedded python manage.py compile_catalogues \
    && mkdir -p /app/var/beat /app/var/media /app/var/static && chown -R kem /app/var

USER kem
EXPOSE 8000
# collectstatic needs no secrets beyond a syntactically complete production environment; CI runs
# this same script (its production-start stage).
CMD ["config/start-web"]
