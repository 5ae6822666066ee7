"""`edu rules`: evaluate one student's year by the assessment rules (JSON on stdin, JSON on stdout)."""

from __future__ import annotations

import json
import sys
from decimal import Decimal

import typer

from edu_shared.errors import InvalidInput
from gradebook.domain.rules.evaluation_io import evaluate_json

rules_app = typer.Typer(help="Quy chế đánh giá học sinh (Thông tư 22, Thông tư 27).", no_args_is_help=True)


@rules_app.command()
def evaluate() -> None:
    """Read one student's year as JSON on stdin and print the results with their reasons (docs/rules-evaluate.md)."""
    raw = sys.stdin.read()
    try:
        # Decimal, not float: 7.25 must stay 7.25 to round half up to 7.3 like an entered score.
        data = json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError as err:
        raise InvalidInput(
            f"Dữ liệu vào không phải JSON hợp lệ (dòng {err.lineno}, cột {err.colno}: {err.msg}).",
            field="stdin",
            value=raw[:80],
        ) from None
    typer.echo(json.dumps(evaluate_json(data), ensure_ascii=False, indent=2))
