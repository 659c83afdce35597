import requests


async def sync_profile(base, user):
    """Adjacent calls with the same client settings share one client."""
    profile = requests.get(f"{base}/profiles/{user}")
    avatar = requests.get(f"{base}/avatars/{user}")
    requests.post(f"{base}/audit", json={"user": user})

    insecure = requests.get(f"{base}/legacy", verify=False)
    return profile.json(), avatar.content, insecure.status_code
