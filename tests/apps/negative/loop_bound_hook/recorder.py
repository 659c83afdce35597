events: list[str] = []
