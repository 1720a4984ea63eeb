"""Evaluate ``graphkit.extract`` on the annotated report set: precision, recall, F1.

Usage::

    .venv/bin/python benchmarks/extract_eval.py                 # dev and held-out figures
    .venv/bin/python benchmarks/extract_eval.py --json out.json --speed
    .venv/bin/python benchmarks/extract_eval.py --by-round --errors   # per writing round, every error

Gold annotations: ``benchmarks/extract_eval/gold/*.yaml`` (one per text in ``texts/``; format and
annotation rules in ``benchmarks/extract_eval/README.md``). ``split: dev`` texts are those the
rules were written and tuned on; ``split: heldout`` texts were annotated before the extractor was
first run on them and were not used to change any rule.

Scores, per split, micro-averaged over texts:

- orgs: distinct organization names per text (matched by ``eval_key``: ``org_key`` with county,
  city and town prefixes folded, so 城关镇中堰村党支部 = 中堰村党支部);
- links: a predicted link is correct when its type and member set equal a gold link's
  ("type + members"); type accuracy is over predicted/gold pairs whose member sets overlap by a
  Jaccard index of at least 0.5;
- numbers: (paragraph, value, bound) per claim, formulas by their text;
- link fields, apart from the P/R/F1 above (so older figures stay comparable): lead, strong, weak,
  chain and stages, each as accuracy over the type+members-matched links whose gold gives the field
  (chain names compared without 产业链/产业, stages as an ordered list), and the number of leads
  predicted on matched links whose gold names none.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent / "extract_eval"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphkit.core.text import org_key  # noqa: E402
from graphkit.extract import extract_files  # noqa: E402

_CJK = "\u4e00-\u9fff"


def eval_key(name: str) -> str:
    """Fold county, city and town prefixes of a name (for matching only)."""
    key = org_key(name) or ""
    key = re.sub(r"(县|市|区)委员会(?=组织部|宣传部|统战部|政法委|办公室|党校|办)", r"\1委", key)
    key = re.sub(rf"^[{_CJK}]{{2,3}}县委", "县委", key)
    key = re.sub(rf"^(?:[{_CJK}]{{2,3}}市)?(?:[{_CJK}]{{2,3}}县|县)(?!委)", "", key)
    key = re.sub(rf"^[{_CJK}]{{2,4}}?(?:镇|乡|街道)(?=[{_CJK}]{{2,}}(?:村|社区))", "", key)
    return key


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "tp": tp, "pred": n_pred, "gold": n_gold}


def _num_key(item: dict[str, Any]) -> tuple[Any, ...]:
    if item.get("formula"):
        return (int(item["para"]), "F", re.sub(r"\s", "", str(item["text"])))
    return (int(item["para"]), float(item["value"]), item.get("bound", "="))


FIELDS = ("lead", "strong", "weak", "chain", "stages")
"""Link fields scored apart from P/R/F1, each over the matched links whose gold gives it."""


def _chain_key(name: str) -> str:
    """A chain name without its 产业链/产业/链 ending (蚕桑产业链 = 蚕桑)."""
    return re.sub(r"(?:全产业链|产业链|产业|链)$", "", re.sub(r"\s", "", name or ""))


def _field_value(field: str, value: Any) -> Any:
    if field == "stages":
        return tuple(re.sub(r"\s", "", str(v)) for v in (value or []))
    if field == "chain":
        return _chain_key(str(value or ""))
    return eval_key(str(value)) if value else ""


def _score_fields(c: Counter[str], links: Any, matched: list[tuple[int, dict[str, Any]]], file: str,
                  errors: list[str] | None) -> None:
    """Count lead, strong, weak, chain and stages on matched links (kept out of the link P/R/F1).

    A field is scored on a matched link when its gold entry gives it. For ``lead`` only, a predicted
    lead on a 片区/跨村/链上 link whose gold names none is counted apart (``lead_extra``): the gold
    files give a lead wherever the text names one (牵头, 组长单位, 牵头单位, 链长单位).
    """
    for k, gl in matched:
        row = links.iloc[k]
        for field in FIELDS:
            pred = _field_value(field, row[field])
            if gl.get(field):
                want = _field_value(field, gl[field])
                c[f"{field}_pairs"] += 1
                c[f"{field}_ok"] += int(pred == want)
                if pred != want and errors is not None:
                    errors.append(f"{file}: link {field} wrong in {gl['type']} {gl.get('group') or sorted(gl['members'])}: "
                                  f"predicted {row[field]!r}, gold {gl[field]!r}")
            elif field == "lead" and pred and gl["type"] in ("片区联建", "跨村联建", "链上联建"):
                c["lead_extra"] += 1
                if errors is not None:
                    errors.append(f"{file}: link lead predicted where gold has none in {gl['type']} "
                                  f"{gl.get('group') or sorted(gl['members'])}: {row[field]!r}")


def load_gold(folder: Path = ROOT) -> list[dict[str, Any]]:
    """Read every gold file; each names its text and split."""
    out = []
    for f in sorted((folder / "gold").glob("*.yaml")):
        d = yaml.safe_load(f.read_text(encoding="utf-8"))
        d["_gold"] = f.name
        out.append(d)
    return out


def text_round(gold_file: str) -> str:
    """The writing round of a gold file: ``seeds`` (000–004), ``dev`` (dev_01…), ``round N`` (r1_, h2_, h3_, r4_…).

    >>> [text_round(f) for f in ("003.yaml", "dev_02.yaml", "h2_01.yaml", "r4_05.yaml")]
    ['seeds', 'dev', 'round 2', 'round 4']
    """
    m = re.match(r"[a-z](\d+)_", gold_file)
    if m:
        return f"round {int(m.group(1))}"
    return "seeds" if gold_file[:1].isdigit() else gold_file.split("_")[0]


def evaluate(folder: Path = ROOT, *, errors: list[str] | None = None, by_round: bool = False) -> dict[str, Any]:
    """Run the extractor on every annotated text and score it per split (or, ``by_round``, per writing round).

    With ``errors`` (a list), one line per missed or spurious org, link and number is appended.
    """
    gold = load_gold(folder)
    files = [folder / "texts" / g["file"] for g in gold]
    t0 = time.perf_counter()
    result = extract_files([str(f) for f in files])
    secs = time.perf_counter() - t0
    acc: dict[str, dict[str, Counter[str]]] = {}
    for g, path in zip(gold, files):
        c = acc.setdefault(text_round(g["_gold"]) if by_round else g["split"], {"c": Counter()})["c"]
        fname = str(path)
        orgs = result.orgs[result.orgs["file"] == fname]
        pred_orgs = {eval_key(n) for n in orgs["name"]}
        gold_orgs = {eval_key(n) for n in g.get("orgs") or []}
        c["org_tp"] += len(pred_orgs & gold_orgs)
        c["org_pred"] += len(pred_orgs)
        c["org_gold"] += len(gold_orgs)
        if errors is not None:
            errors.extend(f"{g['file']}: org FP {n}" for n in sorted(pred_orgs - gold_orgs))
            errors.extend(f"{g['file']}: org FN {n}" for n in sorted(gold_orgs - pred_orgs))
        links = result.links[result.links["file"] == fname]
        pred_links = [(t, frozenset(eval_key(m) for m in ms)) for t, ms in zip(links["type"], links["members"])]
        gold_links = [(lk["type"], frozenset(eval_key(m) for m in lk["members"])) for lk in g.get("links") or []]
        c["link_pred"] += len(pred_links)
        c["link_gold"] += len(gold_links)
        free = list(gold_links)
        gold_dicts = list(g.get("links") or [])
        matched: list[tuple[int, dict[str, Any]]] = []  # (predicted row, gold link) per type+members match
        for k, pl in enumerate(pred_links):
            if pl in free:
                j = free.index(pl)
                free.pop(j)
                matched.append((k, gold_dicts.pop(j)))
                c["link_tp"] += 1
            elif errors is not None:
                errors.append(f"{g['file']}: link FP {pl[0]} {sorted(pl[1])}")
        if errors is not None:
            errors.extend(f"{g['file']}: link FN {t} {sorted(ms)}" for t, ms in free)
        _score_fields(c, links, matched, g["file"], errors)
        # pairing sides: of the matched pairings whose gold names strong and weak, how many have them right
        sides = {frozenset(eval_key(m) for m in lk["members"]): (eval_key(lk["strong"]), eval_key(lk["weak"]))
                 for lk in g.get("links") or [] if lk["type"] == "结对共建" and lk.get("strong") and lk.get("weak")}
        for t, ms, st, wk in zip(links["type"], links["members"], links["strong"], links["weak"]):
            key = frozenset(eval_key(m) for m in ms)
            if t == "结对共建" and key in sides:
                c["side_pairs"] += 1
                ok = sides[key] == (eval_key(st), eval_key(wk))
                c["side_ok"] += int(ok)
                if not ok and errors is not None:
                    errors.append(f"{g['file']}: pairing sides swapped/wrong strong={st} weak={wk}")
        # type accuracy on member-overlapping pairs (each gold link used once)
        free = list(gold_links)
        for pt, pm in pred_links:
            best, score = None, 0.0
            for gl in free:
                j = len(pm & gl[1]) / len(pm | gl[1]) if pm | gl[1] else 0.0
                if j > score:
                    best, score = gl, j
            if best is not None and score >= 0.5:
                free.remove(best)
                c["type_pairs"] += 1
                c["type_ok"] += int(best[0] == pt)
        nums = result.numbers[result.numbers["file"] == fname]
        pred_n: Counter[tuple[Any, ...]] = Counter()
        for r in nums.itertuples():
            if r.kind == "公式":
                pred_n[(int(r.para), "F", re.sub(r"\s", "", r.surface))] += 1
            else:
                pred_n[(int(r.para), float(r.value), r.bound)] += 1
        gold_n = Counter(_num_key(it) for it in g.get("numbers") or [])
        c["num_tp"] += sum((pred_n & gold_n).values())
        c["num_pred"] += sum(pred_n.values())
        c["num_gold"] += sum(gold_n.values())
        if errors is not None:
            errors.extend(f"{g['file']}: number FP {k}" for k in sorted((pred_n - gold_n).elements(), key=str))
            errors.extend(f"{g['file']}: number FN {k}" for k in sorted((gold_n - pred_n).elements(), key=str))
        c["texts"] += 1
        c["chars"] += sum(len(p) for _, p in result.texts[fname])
    scores: dict[str, Any] = {}
    for split, d in acc.items():
        c = d["c"]
        scores[split] = {
            "texts": c["texts"], "chars": c["chars"],
            "orgs": _prf(c["org_tp"], c["org_pred"], c["org_gold"]),
            "links": _prf(c["link_tp"], c["link_pred"], c["link_gold"]),
            "link_type_accuracy": {"accuracy": round(c["type_ok"] / c["type_pairs"], 3) if c["type_pairs"] else None,
                                   "pairs": c["type_pairs"]},
            "numbers": _prf(c["num_tp"], c["num_pred"], c["num_gold"]),
            "pairing_sides": {"correct": c["side_ok"], "pairs": c["side_pairs"]},
            "fields": {f: {"accuracy": round(c[f"{f}_ok"] / c[f"{f}_pairs"], 3) if c[f"{f}_pairs"] else None,
                           "correct": c[f"{f}_ok"], "links": c[f"{f}_pairs"]} for f in FIELDS},
            "lead_extra": c["lead_extra"],
        }
    scores["seconds"] = round(secs, 3)
    return scores


def speed(folder: Path = ROOT, *, repeat: int = 20) -> dict[str, float]:
    """Characters per second of the default path on one core (all texts, ``repeat`` times, best run),
    by wall clock and by CPU time of this process."""
    files = [str(f) for f in sorted((folder / "texts").iterdir()) if f.suffix in (".txt", ".md", ".docx")]
    extract_files(files)  # warm: tables built once per process
    best = best_cpu = float("inf")
    chars = 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        r = extract_files(files)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        chars = r.chars
    # CPU seconds as well: on a shared, loaded machine the wall figure measures the load as much as the code
    return {"chars": chars, "seconds": round(best, 4), "chars_per_second": round(chars / best),
            "cpu_seconds": round(best_cpu, 4), "chars_per_cpu_second": round(chars / best_cpu)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write the figures as JSON")
    ap.add_argument("--speed", action="store_true", help="also measure characters per second")
    ap.add_argument("--errors", action="store_true", help="also list every missed or spurious org, link and number")
    ap.add_argument("--by-round", action="store_true",
                    help="score each writing round apart (seeds, dev, round 1, round 2, …) instead of dev/heldout")
    args = ap.parse_args(argv)
    errors: list[str] | None = [] if args.errors else None
    scores = evaluate(errors=errors, by_round=args.by_round)
    for line in errors or []:
        print(line)
    if args.speed:
        scores["speed"] = speed()
    for split in sorted((k for k in scores if isinstance(scores[k], dict) and "orgs" in scores[k]),
                        key=lambda k: (k.startswith("round"), k)):
        s = scores[split]
        print(f"== {split}: {s['texts']} texts, {s['chars']} chars")
        for k in ("orgs", "links", "numbers"):
            v = s[k]
            print(f"  {k:8s} P {v['precision']:.3f}  R {v['recall']:.3f}  F1 {v['f1']:.3f}  "
                  f"(tp {v['tp']}, predicted {v['pred']}, gold {v['gold']})")
        ta = s["link_type_accuracy"]
        print(f"  link type accuracy {ta['accuracy']} over {ta['pairs']} matched links")
        ps = s["pairing_sides"]
        if ps["pairs"]:
            print(f"  pairing sides (strong/weak) right in {ps['correct']} of {ps['pairs']} matched pairings with sides in gold")
        for f in FIELDS:
            fv = s["fields"][f]
            if fv["links"]:
                acc = f"{fv['accuracy']:.3f}"
                extra = f"; {s['lead_extra']} leads predicted where gold names none" if f == "lead" else ""
                print(f"  {f:8s} accuracy {acc} ({fv['correct']} of {fv['links']} matched links whose gold gives it{extra})")
    if "speed" in scores:
        sp = scores["speed"]
        print(f"speed: {sp['chars']} chars in {sp['seconds']} s = {sp['chars_per_second']} chars/s "
              f"({sp['cpu_seconds']} CPU s = {sp['chars_per_cpu_second']} chars per CPU second)")
    if args.json:
        Path(args.json).write_text(json.dumps(scores, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
