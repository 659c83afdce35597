"""What the urllib3-pool-request rule looks for: requests on a urllib3 pool a local holds."""

from awaitify.detector import Detector

DETECTOR = Detector(
    "AW502",
    methods={"pool": ("request", "urlopen", "request_encode_url", "request_encode_body")},
    makers={name: "pool" for name in ("urllib3.PoolManager", "urllib3.ProxyManager", "urllib3.HTTPConnectionPool",
                                      "urllib3.HTTPSConnectionPool", "urllib3.connection_from_url",
                                      "urllib3.poolmanager.PoolManager")},
    tokens=("urllib",),
)
