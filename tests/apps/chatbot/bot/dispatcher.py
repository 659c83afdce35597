"""A Telegram-style dispatcher: commands map to async handlers; its own startup hooks (an event bus
that is not FastAPI's, whatever its method is called)."""

from __future__ import annotations

import asyncio


class Dispatcher:
    def __init__(self) -> None:
        self.handlers = {}
        self.hooks = {"startup": [], "shutdown": []}

    def message(self, command: str):
        def register(fn):
            self.handlers[command] = fn
            return fn
        return register

    def on_event(self, name: str):
        def register(fn):
            self.hooks[name].append(fn)
            return fn
        return register

    async def fire(self, name: str) -> None:
        for hook in self.hooks[name]:
            await hook()

    async def dispatch(self, update: dict) -> str:
        command, _, arg = update["text"].partition(" ")
        handler = self.handlers.get(command)
        if handler is None:
            return f"unknown command {command}"
        return await handler(update["chat"], arg)

    async def feed(self, updates: list[dict]) -> list[str]:
        """Updates from different chats are handled concurrently, as a polling bot does."""
        return list(await asyncio.gather(*[self.dispatch(u) for u in updates]))
