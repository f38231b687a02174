"""Quiet TensorFlow's start-up log before anything imports it.

This module is imported first by :mod:`bdl_helpers`, so the environment variables
below are in place before TensorFlow is loaded. A variable the user already set
wins, so anyone debugging TensorFlow can still turn its log back on.
"""

import os

# 0 = all, 1 = no INFO, 2 = no WARNING, 3 = no ERROR: INFO and WARNING are
# start-up noise (CPU features, oneDNN) that learners cannot act on.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN's custom ops change float results slightly between runs on some CPUs;
# off keeps runs reproducible on the same machine.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# absl prints "All log messages before absl::InitializeLog()..." unless told.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
