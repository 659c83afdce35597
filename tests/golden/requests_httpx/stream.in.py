import requests


async def download(url, path, token):
    with open(path, "wb") as f:
        r = requests.get(url, headers={"Authorization": token}, stream=True, timeout=(3, 30))
        r.raise_for_status()
        for chunk in r.iter_content(chunk_size=65536):
            f.write(chunk)
    return path


async def checksum(url, digest):
    with requests.get(url, stream=True) as r:  # a large body
        if not r.ok:
            return None
        for chunk in r.iter_content():
            digest.update(chunk)
    return digest.hexdigest()


async def head_and_body(url, sink):
    size = requests.head(url).headers.get("content-length")
    r = requests.post(url, json={"all": True}, stream=True)
    for chunk in r.iter_content(1024):
        sink.append(chunk)
    return size, r.status_code
