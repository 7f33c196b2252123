"""`scrapy gendemo [DIR] [--seed N] [--departments N]`: write the synthetic demo portal (default data/demo_portal)."""

import shutil
from pathlib import Path
from typing import ClassVar

from scrapy.commands import ScrapyCommand

from demo.portal import build_portal


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] [DIR]"

    def short_desc(self) -> str:
        return "Write the synthetic offline demo portal (seeded, deterministic)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
        parser.add_argument(
            "--departments", type=int, default=0, help="extra 部门 units, 5 reports each (benchmark: 400)"
        )

    def run(self, args, opts) -> None:
        root = Path(args[0] if args else "data/demo_portal")
        portal = build_portal(opts.seed, n_extra_departments=opts.departments, scanned=True)
        if root.exists():
            shutil.rmtree(root)
        portal.write(root)
        print(f"wrote {len(portal.files)} files, {len(portal.reports)} reports to {root}")
