#!/usr/bin/env python3
"""Check that the sample shop in data/ has the JSON shape of the tau-bench retail shop.

Usage: scripts/check-shop-shape.py [DATA_DIR] [REFERENCE_DIR]
       (defaults: data/ and ../shared/taubench-retail/, relative to the repository root)

For users.json, orders.json and products.json it learns, from the reference, which key sets
every kind of record has (top-level record, address, name, payment method, item, fulfillment,
payment-history entry, variant) and which JSON types each key holds; a record of ours must have
one of the key sets seen there and only types seen there. Maps keyed by id (the files
themselves, `variants`, `payment_methods`) and free-form `options` maps are matched by position,
not by key. The only keys allowed beyond the reference are the ones tau-bench's own
return/exchange tools add to an order whose status is "return requested" / "exchange requested".

It then checks that the shop is consistent: ids are unique and do not collide with the
reference's, every reference (user -> order, order -> user, item -> product/variant,
payment -> payment method) resolves, item prices and options match the catalog, and each
payment equals the sum of the order's item prices (a cancelled order has a matching refund).

Exits 0 when everything matches, 1 (listing the problems) otherwise.
"""
import json
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "data")
REF = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared", "taubench-retail")
FILES = ["users.json", "orders.json", "products.json"]
ID_KEYED = {"variants", "payment_methods"}  # maps keyed by an id
FREE_FORM = {"options"}                      # maps with arbitrary keys, string values
# Keys tau-bench's tools (return_delivered_order_items, exchange_delivered_order_items) add.
EXTRA_ORDER_KEYS = {
    "return requested": {"return_items": "list", "return_payment_method_id": "str"},
    "exchange requested": {"exchange_items": "list", "exchange_new_items": "list",
                           "exchange_payment_method_id": "str", "exchange_price_difference": "number"},
}
STATUSES = {"pending", "processed", "delivered", "cancelled", "return requested", "exchange requested"}


def jtype(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return {str: "str", list: "list", dict: "dict", type(None): "null"}[type(v)]


def walk(node, path, out):
    """Record (path -> key sets) and (path.key -> types) for every dict below node."""
    if isinstance(node, dict):
        last = path.rsplit("/", 1)[-1]
        if last in FREE_FORM:
            out["types"][path + "/*"].update(jtype(v) for v in node.values())
            return
        if last in ID_KEYED:
            for v in node.values():
                walk(v, path + "/*", out)
            return
        out["keysets"][path].add(frozenset(node))
        for k, v in node.items():
            out["types"][path + "/" + k].add(jtype(v))
            walk(v, path + "/" + k, out)
    elif isinstance(node, list):
        for v in node:
            out["types"][path + "[]"].add(jtype(v))
            walk(v, path + "[]", out)


def shape(records, name):
    out = {"keysets": defaultdict(set), "types": defaultdict(set)}
    for rec in records.values():
        walk(rec, name, out)
    return out


def main():
    problems = []
    data, ref = {}, {}
    for f in FILES:
        with open(os.path.join(DATA, f), encoding="utf-8") as fh:
            data[f] = json.load(fh)
        with open(os.path.join(REF, f), encoding="utf-8") as fh:
            ref[f] = json.load(fh)
        if not isinstance(data[f], dict) or not data[f]:
            problems.append(f"{f}: must be a non-empty object keyed by id")
    if problems:
        return report(data, problems)

    # ---- 1. shape against the reference
    for f in FILES:
        name = f.split(".")[0]
        want, got = shape(ref[f], name), shape(data[f], name)
        for path, keysets in got["keysets"].items():
            allowed = want["keysets"].get(path)
            if allowed is None:
                problems.append(f"{f}: unexpected object at {path}")
                continue
            for ks in keysets:
                if ks in allowed:
                    continue
                if path == "orders":
                    base = [a for a in allowed if a <= ks]
                    extra = ks - max(base, key=len) if base else ks
                    if base and all(any(k in e for e in EXTRA_ORDER_KEYS.values()) for k in extra):
                        continue  # checked per order below
                problems.append(f"{f}: keys at {path} are {sorted(ks)}; reference has "
                                + " or ".join(str(sorted(a)) for a in allowed))
        for path, types in got["types"].items():
            if any(path.startswith("orders/" + k) for e in EXTRA_ORDER_KEYS.values() for k in e):
                continue
            allowed = want["types"].get(path)
            if allowed is None:
                problems.append(f"{f}: unexpected value at {path}")
            elif not types <= allowed:
                problems.append(f"{f}: {path} holds {sorted(types)}; reference holds {sorted(allowed)}")
        # each record's own id key matches its map key
        idkey = {"orders": "order_id", "products": "product_id"}.get(name)
        for k, rec in data[f].items():
            if idkey and rec.get(idkey) != k:
                problems.append(f"{f}: {k}: {idkey} is {rec.get(idkey)!r}")

    if problems:  # the consistency checks below assume the shape is right
        return report(data, problems)

    users, orders, products = data["users.json"], data["orders.json"], data["products.json"]
    rusers, rorders, rproducts = ref["users.json"], ref["orders.json"], ref["products.json"]

    # ---- 2. id formats and collisions with the reference
    ref_ids = set(rusers) | set(rorders) | set(rproducts)
    ref_ids |= {i for p in rproducts.values() for i in p["variants"]}
    ref_ids |= {pm for u in rusers.values() for pm in u["payment_methods"]}
    ref_ids |= {t for o in rorders.values() for fu in o["fulfillments"] for t in fu["tracking_id"]}
    ours = list(users) + list(orders) + list(products)
    ours += [i for p in products.values() for i in p["variants"]]
    ours += [pm for u in users.values() for pm in u["payment_methods"]]
    ours += [t for o in orders.values() for fu in o["fulfillments"] for t in fu["tracking_id"]]
    seen = set()
    for i in ours:
        if i in seen:
            problems.append(f"id {i} is used twice")
        seen.add(i)
        if i in ref_ids:
            problems.append(f"id {i} collides with the reference shop")
    for oid in orders:
        if not re.fullmatch(r"#W\d{7}", oid):
            problems.append(f"order id {oid} is not #W + 7 digits")
    for pid, p in products.items():
        for iid, v in [(pid, None)] + list(p["variants"].items()):
            if not re.fullmatch(r"\d{10}", iid):
                problems.append(f"product/item id {iid} is not 10 digits")
            if v is not None and v["item_id"] != iid:
                problems.append(f"products.json: variant {iid} has item_id {v['item_id']}")
    for uid, u in users.items():
        for pmid, pm in u["payment_methods"].items():
            if pm["id"] != pmid or not pmid.startswith(pm["source"] + "_"):
                problems.append(f"users.json: {uid}: payment method {pmid} is inconsistent")
            if pm["source"] not in ("gift_card", "paypal", "credit_card"):
                problems.append(f"users.json: {uid}: unknown payment source {pm['source']}")

    # ---- 3. consistency
    for uid, u in users.items():
        for oid in u["orders"]:
            if oid not in orders:
                problems.append(f"users.json: {uid} lists unknown order {oid}")
            elif orders[oid]["user_id"] != uid:
                problems.append(f"users.json: {uid} lists {oid}, which belongs to {orders[oid]['user_id']}")
    for oid, o in orders.items():
        u = users.get(o["user_id"])
        if u is None:
            problems.append(f"orders.json: {oid}: unknown user {o['user_id']}")
            continue
        if oid not in u["orders"]:
            problems.append(f"orders.json: {oid} is missing from its user's order list")
        st = o["status"]
        if st not in STATUSES:
            problems.append(f"orders.json: {oid}: unknown status {st!r}")
        extra = set(o) - {"order_id", "user_id", "address", "items", "fulfillments", "status", "payment_history"}
        if extra and extra != set(EXTRA_ORDER_KEYS.get(st, {})):
            problems.append(f"orders.json: {oid} ({st}) has extra keys {sorted(extra)}")
        for k, t in EXTRA_ORDER_KEYS.get(st, {}).items():
            if k in o and not (jtype(o[k]) == t or (t == "number" and jtype(o[k]) in ("int", "float"))):
                problems.append(f"orders.json: {oid}: {k} is {jtype(o[k])}, want {t}")
        total = 0.0
        for it in o["items"]:
            p = products.get(it["product_id"])
            v = p and p["variants"].get(it["item_id"])
            if not v:
                problems.append(f"orders.json: {oid}: item {it['item_id']} is not a variant of {it['product_id']}")
                continue
            if it["name"] != p["name"] or it["price"] != v["price"] or it["options"] != v["options"]:
                problems.append(f"orders.json: {oid}: item {it['item_id']} differs from the catalog")
            total += it["price"]
        total = round(total, 2)
        pays = [h for h in o["payment_history"] if h["transaction_type"] == "payment"]
        refunds = [h for h in o["payment_history"] if h["transaction_type"] == "refund"]
        if len(pays) != 1 or pays[0]["amount"] != total:
            problems.append(f"orders.json: {oid}: payment {[h['amount'] for h in pays]} != item total {total}")
        if st == "cancelled" and (len(refunds) != 1 or refunds[0]["amount"] != total):
            problems.append(f"orders.json: {oid}: cancelled without a full refund")
        if st != "cancelled" and refunds:
            problems.append(f"orders.json: {oid}: refund on a {st} order")
        for h in o["payment_history"]:
            if h["payment_method_id"] not in u["payment_methods"]:
                problems.append(f"orders.json: {oid}: payment method {h['payment_method_id']} is not the user's")
        shipped = [i for fu in o["fulfillments"] for i in fu["item_ids"]]
        if st == "pending" and shipped:
            problems.append(f"orders.json: {oid}: {st} order has fulfillments")
        if st not in ("pending", "cancelled") and sorted(shipped) != sorted(i["item_id"] for i in o["items"]):
            problems.append(f"orders.json: {oid}: fulfillments do not cover the items")
        if st == "exchange requested":
            for old, new in zip(o["exchange_items"], o["exchange_new_items"]):
                po = next(i["product_id"] for i in o["items"] if i["item_id"] == old)
                nv = products[po]["variants"].get(new)
                if not nv or not nv["available"] or new == old:
                    problems.append(f"orders.json: {oid}: exchange {old} -> {new} is not an available variant")

    return report(data, problems)


def report(data, problems):
    counts = {f: len(data[f]) for f in FILES}
    statuses = defaultdict(int)
    for o in data["orders.json"].values():
        if isinstance(o, dict):
            statuses[o.get("status")] += 1
    print(f"checked {DATA} against {os.path.normpath(REF)}: {counts}, statuses {dict(statuses)}")
    if problems:
        for p in problems:
            print("MISMATCH:", p)
        print(f"{len(problems)} problem(s)")
        return 1
    print("ok: same shape as the reference, consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
