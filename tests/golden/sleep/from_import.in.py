from time import sleep


async def poll(client):
    while not client.ready():
        sleep(0.5)
    return [sleep(i) for i in range(2)]
