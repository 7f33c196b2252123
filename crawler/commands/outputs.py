"""Options shared by the commands that write a directory of files (`scrapy export`, `scrapy site`)."""

from __future__ import annotations

from scrapy.exceptions import UsageError


def add_output_options(parser) -> None:
    parser.add_argument("-o", "--output", metavar="DIR", help="directory to write (new or empty, unless --force)")
    parser.add_argument("--force", action="store_true", help="write into a directory that is not empty")
    parser.add_argument(
        "-a", dest="selection", action="append", default=[], metavar="NAME=VALUE",
        help="select reports: region=<division code prefix>, year=<2023 | 2021-2023 | 2021,2023>",
    )  # fmt: skip


def selection_args(pairs: list[str]) -> dict[str, str]:
    """-a region=3208 -a year=2023 → {"region": "3208", "year": "2023"}; UsageError on anything else."""
    args: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in ("region", "year"):
            raise UsageError(f"-a {pair}: expected region=<code prefix> or year=<year>", print_help=False)
        args[name] = value
    return args
