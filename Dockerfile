# Two images, one per role, from one file; docker-compose.yml picks the target.
#   web:    gunicorn, migrations and Celery beat. Django, DRF and the Celery client only: no
#           TensorFlow, Keras or face detectors, which the web never imports.
#   worker: the Celery worker and the training commands (bootstrap, train_model): the
#           recognizer on LiteRT, and FaceNet as the .tflite files that the `facenet` stage
#           fetched, checksum-verified and converted. No TensorFlow, Keras or MTCNN: containers
#           never download or convert anything.
# Sizes, uncompressed, estimated from the installed packages (docs/several-machines.md): web
# about 0.5 GB, worker about 0.85 GB (2.1 GB when it carried TensorFlow); the facenet stage
# is not shipped.
# Pinned by version, as is every image in docker-compose.yml (tests/test_dependencies.py).
FROM python:3.11.15-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=athletes_site.settings.production \
    ATHLETES_FACENET_WEIGHTS=/opt/athletes/facenet_keras.h5 \
    MEDIA_ROOT=/data/media \
    ATHLETES_MODELS_DIR=/data/models

RUN useradd --create-home --uid 10001 athletes \
    && mkdir -p /app /data/media /data/models /opt/athletes \
    && chown athletes:athletes /app /data/media /data/models /opt/athletes

WORKDIR /app
COPY requirements/ requirements/


FROM base AS web
# exiftool writes the athletes' names into tagged downloads.
RUN apt-get update && apt-get install -y --no-install-recommends libimage-exiftool-perl \
    && rm -rf /var/lib/apt/lists/*
RUN pip install -r requirements/web.txt
COPY --chown=athletes:athletes . .
USER athletes
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
EXPOSE 8000
# gunicorn.conf.py sets the workers; FORWARDED_ALLOW_IPS names the proxy whose X-Forwarded-Proto
# is believed (docker-compose.yml), 127.0.0.1 otherwise.
CMD ["gunicorn", "athletes_site.wsgi", "--bind", "0.0.0.0:8000"]


FROM base AS facenet
# The lab's TensorFlow converts the Keras weights for LiteRT, in this build stage only.
RUN pip install -r requirements/lab.txt
COPY ml/ ml/
RUN python -m ml weights fetch


FROM base AS worker
# exiftool writes the athletes' names into the photos of events' exports.
RUN apt-get update && apt-get install -y --no-install-recommends libimage-exiftool-perl \
    && rm -rf /var/lib/apt/lists/*
RUN pip install -r requirements/worker.txt \
    && pip install --no-deps -r requirements/worker-nodeps.txt
# The converted networks only: ATHLETES_FACENET_WEIGHTS still names the Keras file, beside
# which the worker finds them by its checksum (ml/weights.py), but the file stays behind.
COPY --from=facenet --chown=athletes:athletes /opt/athletes/*.tflite /opt/athletes/
COPY --chown=athletes:athletes . .
USER athletes
CMD ["celery", "-A", "athletes_site", "worker", "--pool", "prefork", "--concurrency", "1", \
     "--loglevel", "INFO"]
