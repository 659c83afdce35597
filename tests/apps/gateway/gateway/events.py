log: list[str] = []
