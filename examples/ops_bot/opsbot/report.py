import asyncio
import json
from pathlib import Path

TEMPLATE = Path(__file__).with_name("report_template.txt")


async def main(out_dir: str) -> str:
    header = TEMPLATE.read_text(encoding="utf-8")
    target = Path(out_dir) / "daily.txt"
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(header)
        json.dump({"alerts": 0, "status": "grün"}, fh, ensure_ascii=False)
    return str(target)


if __name__ == "__main__":
    print(asyncio.run(main(".")))
