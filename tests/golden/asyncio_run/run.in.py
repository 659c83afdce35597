import asyncio


async def submit(service, request):
    job = asyncio.run(
        service.submit_job(request),
    )
    again = await asyncio.run(service.submit_job(request))
    return job, again


def celery_task(service, request):
    return asyncio.run(service.submit_job(request))


if __name__ == "__main__":
    asyncio.run(submit(None, None))
