"""Voice Coach: a private, hands-free facilitator for the Imago Dialogue."""

import os

# onnxruntime (which runs Silero and Smart Turn) carries Microsoft's 1DS telemetry: it writes a
# device id under ~/.cache/Microsoft and holds a collector address. Voice Coach keeps everything
# on the device, so it is switched off before onnxruntime can be imported (tests/test_privacy.py).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
# numpy's OpenBLAS would start a thread per core for the loop's small products (voiceprints, band
# levels), each spinning while it waits, against Whisper's own two threads: on two cores a spoken
# exercise ran 30% slower so, and the loop fell behind the microphone. One thread, unless the user
# says otherwise; set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
