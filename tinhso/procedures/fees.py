"""Fee rules (phí, lệ phí) of a procedure: their JSON shape, validation and the amount for a dossier.

Amounts are whole Vietnamese đồng (VND has no minor unit in practice). Four shapes:

* ``{"kind": "free"}``: no fee (miễn phí, or no fee is set by law);
* ``{"kind": "fixed", "amount": 50000}``;
* ``{"kind": "table", "options": [{"key": "cap_moi", "label": "Cấp mới", "amount": 100000}, ...],
  "default": "cap_moi"}``: the applicant's case picks one row (``default`` is optional);
* ``{"kind": "per_unit", "unit": "trang", "amount": 2000, "first_units": 2, "next_amount": 1000,
  "max_amount": 200000}``: ``amount`` per unit for the first ``first_units`` units, ``next_amount``
  for each further unit, capped at ``max_amount`` (the three last keys are optional), e.g. the
  certification of copies (Circular 226/2016/TT-BTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tinhso.core.errors import ValidationFailed

FREE = {"kind": "free"}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,49}$")
MAX_AMOUNT = 10_000_000_000  # ten billion đồng: far above any administrative fee, below overflow
MAX_OPTIONS = 50


@dataclass(frozen=True)
class FeeProblem:
    path: str
    code: str
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class FeeQuote:
    amount: int
    label: str = ""
    option: str = ""
    quantity: int = 1


def _is_amount(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AMOUNT


def _amount_problem(path: str) -> FeeProblem:
    return FeeProblem(
        path,
        "procedures.invalid_fee_amount",
        "Số tiền phải là số nguyên không âm, tính bằng đồng (ví dụ 50000).",
        "An amount must be a non-negative whole number of đồng (e.g. 50000).",
    )


def normalize_fee_rule(rule: Any) -> tuple[dict, list[FeeProblem]]:
    """The canonical form of a fee rule and the problems found (empty when valid)."""
    if rule in (None, "", {}):
        return dict(FREE), []
    if not isinstance(rule, dict):
        return dict(FREE), [
            FeeProblem(
                "fee_rule",
                "procedures.invalid_fee_rule",
                "Cách tính phí, lệ phí không hợp lệ.",
                "The fee rule is not valid.",
            )
        ]
    kind = rule.get("kind")
    allowed_keys = {
        "free": {"kind"},
        "fixed": {"kind", "amount"},
        "table": {"kind", "options", "default"},
        "per_unit": {"kind", "unit", "amount", "first_units", "next_amount", "max_amount"},
    }
    if kind not in allowed_keys:
        return dict(FREE), [
            FeeProblem(
                "fee_rule.kind",
                "procedures.invalid_fee_rule",
                'Loại cách tính phí phải là "free", "fixed", "table" hoặc "per_unit".',
                'The fee rule kind must be "free", "fixed", "table" or "per_unit".',
            )
        ]
    problems: list[FeeProblem] = []
    unknown = sorted(set(rule) - allowed_keys[kind])
    if unknown:
        problems.append(
            FeeProblem(
                "fee_rule",
                "procedures.invalid_fee_rule",
                f"Cách tính phí có khóa không dùng được: {', '.join(unknown)}.",
                f"The fee rule has keys that do not apply: {', '.join(unknown)}.",
            )
        )
    if kind == "free":
        return dict(FREE), problems
    if kind == "fixed":
        amount = rule.get("amount")
        if not _is_amount(amount):
            return dict(FREE), [*problems, _amount_problem("fee_rule.amount")]
        return (dict(FREE) if amount == 0 else {"kind": "fixed", "amount": amount}), problems
    if kind == "table":
        return _normalize_table(rule, problems)
    return _normalize_per_unit(rule, problems)


def _normalize_table(rule: dict, problems: list[FeeProblem]) -> tuple[dict, list[FeeProblem]]:
    options = rule.get("options")
    if not isinstance(options, list) or not options or len(options) > MAX_OPTIONS:
        problems.append(
            FeeProblem(
                "fee_rule.options",
                "procedures.invalid_fee_rule",
                f"Biểu phí cần từ 1 đến {MAX_OPTIONS} trường hợp.",
                f"A fee table needs 1 to {MAX_OPTIONS} options.",
            )
        )
        return dict(FREE), problems
    cleaned, seen = [], set()
    for index, option in enumerate(options):
        path = f"fee_rule.options[{index}]"
        if not isinstance(option, dict) or set(option) - {"key", "label", "amount"}:
            problems.append(
                FeeProblem(
                    path,
                    "procedures.invalid_fee_rule",
                    "Mỗi trường hợp của biểu phí có key, label và amount.",
                    "Each fee option has a key, a label and an amount.",
                )
            )
            continue
        key, label, amount = option.get("key"), option.get("label"), option.get("amount")
        if not isinstance(key, str) or not KEY_PATTERN.match(key) or key in seen:
            problems.append(
                FeeProblem(
                    f"{path}.key",
                    "procedures.invalid_fee_rule",
                    "Mã trường hợp phải là chữ thường không dấu, số hoặc _, không trùng nhau.",
                    "An option key is lower-case ASCII letters, digits or _, and unique.",
                )
            )
        label_text = " ".join(label.split()) if isinstance(label, str) else ""
        if not label_text or len(label_text) > 255 or "|" in label_text:
            problems.append(
                FeeProblem(
                    f"{path}.label",
                    "procedures.invalid_fee_rule",
                    "Tên trường hợp là bắt buộc, tối đa 255 ký tự, không chứa dấu |.",
                    "An option label is required, at most 255 characters, without |.",
                )
            )
        if not _is_amount(amount):
            problems.append(_amount_problem(f"{path}.amount"))
        seen.add(key)
        cleaned.append({"key": key, "label": label_text, "amount": amount})
    result: dict[str, Any] = {"kind": "table", "options": cleaned}
    default = rule.get("default")
    if default not in (None, ""):
        if default not in seen:
            problems.append(
                FeeProblem(
                    "fee_rule.default",
                    "procedures.invalid_fee_rule",
                    "Trường hợp mặc định không có trong biểu phí.",
                    "The default option is not in the table.",
                )
            )
        result["default"] = default
    return result, problems


def _normalize_per_unit(rule: dict, problems: list[FeeProblem]) -> tuple[dict, list[FeeProblem]]:
    unit = " ".join(rule["unit"].split()) if isinstance(rule.get("unit"), str) else ""
    if not unit or len(unit) > 50:
        problems.append(
            FeeProblem(
                "fee_rule.unit",
                "procedures.invalid_fee_rule",
                "Đơn vị tính (ví dụ: trang, bản) là bắt buộc.",
                "The unit (e.g. page, copy) is required.",
            )
        )
    result: dict[str, Any] = {"kind": "per_unit", "unit": unit, "amount": rule.get("amount")}
    if not _is_amount(rule.get("amount")):
        problems.append(_amount_problem("fee_rule.amount"))
    has_first, has_next = "first_units" in rule, "next_amount" in rule
    if has_first != has_next:
        problems.append(
            FeeProblem(
                "fee_rule.first_units",
                "procedures.invalid_fee_rule",
                "first_units và next_amount phải đi cùng nhau.",
                "first_units and next_amount go together.",
            )
        )
    elif has_first:
        first = rule["first_units"]
        if not isinstance(first, int) or isinstance(first, bool) or not 1 <= first <= 10_000:
            problems.append(
                FeeProblem(
                    "fee_rule.first_units",
                    "procedures.invalid_fee_rule",
                    "first_units là số nguyên dương.",
                    "first_units is a positive whole number.",
                )
            )
        if not _is_amount(rule["next_amount"]):
            problems.append(_amount_problem("fee_rule.next_amount"))
        result["first_units"], result["next_amount"] = first, rule["next_amount"]
    if "max_amount" in rule:
        if not _is_amount(rule["max_amount"]):
            problems.append(_amount_problem("fee_rule.max_amount"))
        result["max_amount"] = rule["max_amount"]
    return result, problems


def is_free(rule: dict) -> bool:
    if rule.get("kind") in (None, "free"):
        return True
    if rule.get("kind") == "table":
        return all(option.get("amount") == 0 for option in rule.get("options", []))
    if rule.get("kind") == "per_unit":
        return rule.get("amount") == 0 and rule.get("next_amount", 0) == 0
    return rule.get("amount") == 0


def quote(rule: dict, options: dict | None = None) -> FeeQuote:
    """The amount due under ``rule`` for the applicant's case.

    ``options``: ``{"option": "<key>"}`` for a table (may be omitted when the table has a default or
    a single row), ``{"quantity": n}`` for a per-unit fee (default 1).
    """
    options = options or {}
    if not isinstance(options, dict):
        raise ValidationFailed(
            "Thông tin tính phí không hợp lệ.",
            "The fee options are not valid.",
            code="procedures.invalid_fee_options",
        )
    kind = rule.get("kind", "free")
    if kind == "free":
        return FeeQuote(amount=0)
    if kind == "fixed":
        return FeeQuote(amount=int(rule["amount"]))
    if kind == "table":
        rows = rule.get("options", [])
        key = options.get("option") or rule.get("default") or (rows[0]["key"] if len(rows) == 1 else None)
        row = next((row for row in rows if row["key"] == key), None)
        if row is None:
            raise ValidationFailed(
                "Cần chọn một trường hợp có trong biểu phí.",
                "Choose one of the options of the fee table.",
                code="procedures.fee_option_required",
                details={"options": [row["key"] for row in rows]},
            )
        return FeeQuote(amount=int(row["amount"]), label=row["label"], option=row["key"])
    quantity = options.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 100_000:
        raise ValidationFailed(
            "Số lượng phải là số nguyên dương.",
            "The quantity must be a positive whole number.",
            code="procedures.invalid_fee_quantity",
        )
    if "first_units" in rule:
        first = rule["first_units"]
        amount = rule["amount"] * min(quantity, first) + rule["next_amount"] * max(0, quantity - first)
    else:
        amount = rule["amount"] * quantity
    if "max_amount" in rule:
        amount = min(amount, rule["max_amount"])
    return FeeQuote(amount=int(amount), label=rule.get("unit", ""), quantity=quantity)


def format_vnd(amount: int) -> str:
    """50000 → "50.000 đ" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đ"


def describe(rule: dict) -> str:
    """A one-line Vietnamese summary of a fee rule, for lists and exports."""
    kind = rule.get("kind", "free")
    if kind == "free":
        return "Không thu phí, lệ phí"
    if kind == "fixed":
        return format_vnd(rule["amount"])
    if kind == "table":
        return "; ".join(f"{row['label']}: {format_vnd(row['amount'])}" for row in rule.get("options", []))
    text = f"{format_vnd(rule['amount'])}/{rule.get('unit', '')}"
    if "first_units" in rule:
        text += f" ({rule['first_units']} {rule.get('unit', '')} đầu), từ {rule.get('unit', '')} thứ {rule['first_units'] + 1}: "
        text += f"{format_vnd(rule['next_amount'])}/{rule.get('unit', '')}"
    if "max_amount" in rule:
        text += f"; tối đa {format_vnd(rule['max_amount'])}"
    return text
