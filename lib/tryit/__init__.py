"""Try it: run a Hub model on one input, here, through a transformers pipeline (Streamlit-free core).

``tasks`` (the task table and pure post-processing), ``fit`` (will it run here?, before any download),
``runner`` (load with an LRU pipeline cache, run, time), ``__main__`` (``python -m lib.tryit``).
Nothing in this package imports torch or transformers at import time.
"""
