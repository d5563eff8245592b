"""Try it: run a Hub model on one input, here through transformers or remotely through InferenceClient
(Streamlit-free core).

``tasks`` is the table (one row per task: input, local run, remote call, output); ``inputs``/``outputs``/``media``
its pure parts; ``runner`` (with ``engines``, ``cache``, ``memory``) runs here; ``remote`` (with ``endpoints``,
``remote_calls``) runs on a server; ``fit`` says whether it will run here; ``multi`` runs one input through several
models (the compare page's run); ``__main__`` is ``python -m lib.tryit``.
Nothing in this package imports torch or transformers at import time.
"""
