"""The operator's sync script: prints a chat's notes (shares the notes service with the bot)."""

from bot.services import notes


def dump(chat: int) -> list[str]:
    return notes.read(chat)
