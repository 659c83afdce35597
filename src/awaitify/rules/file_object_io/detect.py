"""What the file-object-io rule looks for: the read/write methods of a file a local holds."""

from awaitify.detector import Detector

DETECTOR = Detector(
    "AW509",
    methods={"file": ("read", "readline", "readlines", "readinto", "write", "writelines", "seek", "truncate", "flush", "tell")},
    makers={"open": "file", "io.open": "file", "os.fdopen": "file", "codecs.open": "file"},
    tokens=("open", "os"),
)
