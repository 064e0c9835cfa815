"""Voice Coach: a private, hands-free facilitator for the Imago Dialogue."""

import os

# onnxruntime (which runs Silero and Smart Turn) carries Microsoft's 1DS telemetry: it writes a
# device id under ~/.cache/Microsoft and holds a collector address. Voice Coach keeps everything
# on the device, so it is switched off before onnxruntime can be imported (tests/test_privacy.py).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
