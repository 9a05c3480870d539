#!/usr/bin/env python3
"""Validate a labeled NLU set (default tests/data/nlu.jsonl) against the sample shop in data/.

Usage: scripts/check-nlu-set.py [FILE.jsonl] [DATA_DIR]

Checks that every line is a JSON object {"text", "intent", "entities"}, that intents and entity
keys come from the fixed lists, that entity values are well formed and agree with the text and
the shop (order ids exist and are every order id the text names, emails are every email in the
text, products are catalog names, options are catalog option values or words of the text,
payment methods are one of three labels, zips/amounts/names occur in the text). Prints counts
per intent and language (a line with any CJK character counts as Chinese). Exits 1 on a problem.
"""
import json
import os
import re
import sys
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "nlu.jsonl")
DATA = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "data")

INTENTS = ["greeting", "order_status", "cancel_order", "modify_order", "return_order",
           "exchange_order", "change_address", "product_info", "recommendation", "complaint",
           "human_agent", "goodbye", "other"]
KEYS = {"order_id", "email", "zip", "name", "product", "option", "payment_method", "amount"}
PAYMENTS = {"gift card", "paypal", "credit card"}
CJK = re.compile(r"[\u3400-\u9fff]")
ORDER_RE = re.compile(r"(?<![A-Za-z0-9])#?[Ww](\d{7})(?!\d)")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def values(v):
    return v if isinstance(v, list) else [v]


def main():
    products = json.load(open(os.path.join(DATA, "products.json"), encoding="utf-8"))
    orders = json.load(open(os.path.join(DATA, "orders.json"), encoding="utf-8"))
    names = {p["name"] for p in products.values()}
    option_values = {v for p in products.values() for var in p["variants"].values()
                     for v in var["options"].values()}
    problems = []
    counts = defaultdict(Counter)
    entity_counts = Counter()
    seen_texts = set()
    n = 0
    with open(FILE, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            where = f"line {no}"
            if not line.strip():
                problems.append(f"{where}: empty line")
                continue
            try:
                ex = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{where}: not JSON ({e})")
                continue
            n += 1
            if set(ex) != {"text", "intent", "entities"}:
                problems.append(f"{where}: keys {sorted(ex)}")
                continue
            text, intent, ents = ex["text"], ex["intent"], ex["entities"]
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}: empty text")
                continue
            if text in seen_texts:
                problems.append(f"{where}: duplicate text {text!r}")
            seen_texts.add(text)
            if intent not in INTENTS:
                problems.append(f"{where}: unknown intent {intent!r}")
            if not isinstance(ents, dict):
                problems.append(f"{where}: entities is not an object")
                continue
            lang = "zh" if CJK.search(text) else "en"
            counts[intent][lang] += 1
            low = text.lower()
            for k, v in ents.items():
                entity_counts[k] += 1
                if k not in KEYS:
                    problems.append(f"{where}: unknown entity {k!r}")
                    continue
                vs = values(v)
                if not vs or not all(isinstance(x, str) and x for x in vs):
                    problems.append(f"{where}: {k} must be a non-empty string or list of strings")
                    continue
                for x in vs:
                    if k == "order_id":
                        if not re.fullmatch(r"#W\d{7}", x):
                            problems.append(f"{where}: order_id {x!r} is not #W + 7 digits")
                        elif x not in orders:
                            problems.append(f"{where}: order {x} is not in {DATA}/orders.json")
                    elif k == "product" and x not in names:
                        problems.append(f"{where}: product {x!r} is not a catalog name")
                    elif k == "payment_method" and x not in PAYMENTS:
                        problems.append(f"{where}: payment_method {x!r}")
                    elif k == "amount" and (not re.fullmatch(r"\d+(\.\d+)?", x) or x not in text):
                        problems.append(f"{where}: amount {x!r}")
                    elif k in ("zip", "email", "name") and x.lower() not in low:
                        problems.append(f"{where}: {k} {x!r} does not occur in the text")
                    elif k == "option" and x not in option_values and x.lower() not in low:
                        problems.append(f"{where}: option {x!r} is neither a catalog value nor in the text")
            # every order id / email in the text is labeled, and nothing else
            found = {"#W" + d for d in ORDER_RE.findall(text)}
            if found != set(values(ents.get("order_id", []))):
                problems.append(f"{where}: order ids in text {sorted(found)} vs labeled {ents.get('order_id')}")
            found = {e.lower() for e in EMAIL_RE.findall(text)}
            if found != set(values(ents.get("email", []))):
                problems.append(f"{where}: emails in text {sorted(found)} vs labeled {ents.get('email')}")

    total = Counter()
    print(f"{FILE}: {n} examples")
    print(f"{'intent':16} {'en':>4} {'zh':>4} {'all':>4}")
    for intent in INTENTS:
        c = counts[intent]
        total.update(c)
        print(f"{intent:16} {c['en']:4} {c['zh']:4} {c['en'] + c['zh']:4}")
        if c["en"] + c["zh"] < 18 or not c["en"] or not c["zh"]:
            problems.append(f"{intent}: needs at least 18 examples in both languages")
    print(f"{'total':16} {total['en']:4} {total['zh']:4} {n:4}  "
          f"(en {100 * total['en'] / max(n, 1):.0f}%, zh {100 * total['zh'] / max(n, 1):.0f}%)")
    print("entities:", dict(entity_counts))
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
