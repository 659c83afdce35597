"""What the subprocess-spawn rule looks for: processes started without waiting for them (the
`os.spawn*` family is told apart by its mode in `check`'s scan)."""

from awaitify.detector import Detector

DETECTOR = Detector("AW504", calls={"subprocess.Popen": "subprocess.Popen()", "os.popen": "os.popen()"},
                    tokens=("subprocess", "os", "spawn"))
