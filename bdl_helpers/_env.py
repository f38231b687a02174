"""Quiet TensorFlow's start-up log before anything imports it.

This module is imported first by :mod:`bdl_helpers`, so the environment variables
below are in place before TensorFlow is loaded. A variable the user already set
wins, so anyone debugging TensorFlow can still turn its log back on.
"""

import os

# TensorFlow's C++ log: 0 = all, 1 = no INFO, 2 = no WARNING, 3 = no ERROR.
# What it prints here is noise learners cannot act on: CPU features, XLA
# start-up, and a harmless "NodeDef mentions attribute" ERROR from tf.data in
# TensorFlow 2.21. Python exceptions still raise. Set TF_CPP_MIN_LOG_LEVEL=0
# before starting Python to see everything.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# oneDNN's custom ops change float results slightly between runs on some CPUs;
# off keeps runs reproducible on the same machine.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# absl prints "All log messages before absl::InitializeLog()..." unless told.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
