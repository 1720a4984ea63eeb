"""Link fields (lead, sides, chain, stages) and numbers after their measure word (issue 21, task extract21c).

Each rule is checked on new invented sentences (fictional places), not on the evaluation texts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from graphkit.extract import extract_files, extract_text
from graphkit.extract.numbers import find_numbers


def _links(text: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [lk for lk in extract_text(text)["links"] if kind is None or lk["type"] == kind]


def test_number_after_its_measure_word() -> None:
    got = [(c.surface, c.value, c.bound, c.category) for c in find_numbers("云溪乡各村共结成帮扶对子318,覆盖农户900余户。", 1)]
    assert got == [("318", 318.0, "=", "结对数"), ("900余户", 900.0, ">=", "其他")]
    got = [(c.value, c.bound) for c in find_numbers("全年开展技术培训人次1520余。", 1)]
    assert got == [(1520.0, ">=")]
    # not a count: a date, an ordinal, a number inside a title, a number already counted with its measure word
    assert find_numbers("2025年3月第3期《对子30》", 1) == []
    assert [c.surface for c in find_numbers("签订协议12个。", 1)] == ["12个"]


def test_chain_named_by_one_character() -> None:
    t = "云溪县由县林业局党组牵头,联合云溪县青竹家具有限公司党支部、竹坪村党支部组建茶产业链党建联盟。"
    [c] = _links(t, "链上联建")
    assert (c["chain"], c["group"], c["lead"]) == ("茶", "茶产业链党建联盟", "县林业局党组")


def test_chain_named_earlier_in_the_paragraph() -> None:
    t = ("雾岭县聚焦香菇主导产业,构建“链长单位+链上党组织”的链上联建机制。县农业农村局党委为链长单位,"
         "吸纳雾岭县丰菇农业有限公司党支部、石坝村党支部入链,覆盖菌棒生产、出菇管理、冷链运输3个环节。")
    [c] = _links(t, "链上联建")
    assert c["chain"] == "香菇"
    assert c["lead"] == "县农业农村局党委"
    assert c["stages"] == ["菌棒生产", "出菇管理", "冷链运输"]


def test_stage_count_is_not_part_of_the_last_stage() -> None:
    t = "雾岭县丰菇农业有限公司党支部联合县农技站党支部、石坝村党支部,围绕香菇产业链的制种、栽培、烘干、销售4个环节开展活动。"
    [c] = _links(t, "链上联建")
    assert c["stages"] == ["制种", "栽培", "烘干", "销售"]
    # no lead word: the group label does not claim one
    assert c["lead"] == "" and "牵头" not in c["group"]


def test_stages_in_a_later_clause_of_the_sentence() -> None:
    t = ("石坝村党支部以村企联的方式与雾岭县丰菇农业有限公司党支部开展产销合作,以链条联的方式融入香菇产业链党委,"
         "形成了“菌种繁育+菌棒生产+产品加工”的全产业链。")
    [c] = _links(t, "链上联建")
    assert c["stages"] == ["菌种繁育", "菌棒生产", "产品加工"]


def test_stages_and_chain_from_other_paragraphs(tmp_path: Path) -> None:
    f = tmp_path / "雾岭县链上联建.txt"
    f.write_text("雾岭县打造“香菇产业链”党建联合体(虚构)\n"
                 "县农业农村局党委为链长单位,吸纳雾岭县丰菇农业有限公司党支部、石坝村党支部入链,开展技术服务。\n"
                 "联合体围绕制种、栽培、烘干、销售4个环节分工包联。\n"
                 "石坝村党支部与河口村党支部结对,覆盖育苗、移栽2个环节。\n", encoding="utf-8")
    r = extract_files([str(f)])
    chain = r.links[r.links["type"] == "链上联建"].iloc[0]
    assert chain["chain"] == "香菇"
    assert list(chain["stages"]) == ["制种", "栽培", "烘干", "销售"]
    assert "第3段" in chain["note"] and "第1段" in chain["note"]
    # a paragraph naming a link of its own gives its stages to no earlier chain
    f.write_text("县农业农村局党委为链长单位,吸纳雾岭县丰菇农业有限公司党支部、石坝村党支部入链,开展技术服务。\n"
                 "石坝村党支部与河口村党支部结对,覆盖育苗、移栽2个环节。\n", encoding="utf-8")
    r = extract_files([str(f)])
    assert list(r.links[r.links["type"] == "链上联建"].iloc[0]["stages"]) == []


def test_role_word_before_a_unit_is_no_part_of_its_name() -> None:
    t = "本月,北片区轮值单位县档案馆党支部组织开展主题党日,成员单位县地震局党支部参加。"
    names = [o["name"] for o in extract_text(t)["orgs"]]
    assert names == ["县档案馆党支部", "县地震局党支部"]


def test_number_after_measure_word_is_no_rate_or_rank() -> None:
    assert find_numbers("村干部每人2,考核排名3.", 1) == []
    got = [(c.surface, c.value) for c in find_numbers("结成帮扶对子56.全年培训人次300", 1)]
    assert got == [("56", 56.0), ("300", 300.0)]


def test_lead_role_wins_over_an_organizing_department() -> None:
    t = ("县委组织部牵头,由县茶叶发展中心党支部担任组长单位,联合雾岭县香茗茶业有限公司党支部、茶坪村党支部"
         "组建茶叶产业链党委。")
    [c] = _links(t, "链上联建")
    assert c["lead"] == "县茶叶发展中心党支部"
    assert "县委组织部" not in c["members"] and "县委组织部" in c["attending"]


def test_lead_under_whose_guidance_villages_join() -> None:
    [c] = _links("桃坪村党支部、杏坪村党支部在柳坪村党支部的带领下组建三坪联合党委。", "跨村联建")
    assert (c["group"], c["lead"]) == ("三坪联合党委", "柳坪村党支部")
    assert sorted(c["members"]) == sorted(["桃坪村党支部", "杏坪村党支部", "柳坪村党支部"])


def test_district_roles_listed_after_colons() -> None:
    t = "东片区牵头单位:县档案馆党支部;成员单位:县地震局党支部、县气象局党支部。西片区由县文化馆党支部牵头;成员有县图书馆党支部。"
    got = [(c["group"], c["lead"], c["members"]) for c in _links(t, "片区联建")]
    assert got == [("东片区", "县档案馆党支部", ["县档案馆党支部", "县地震局党支部", "县气象局党支部"]),
                   ("西片区", "县文化馆党支部", ["县文化馆党支部", "县图书馆党支部"])]


def _sides(text: str) -> list[tuple[str, str]]:
    return [(c["strong"], c["weak"]) for c in _links(text, "结对共建")]


def test_strong_and_weak_labels_of_villages() -> None:
    assert _sides("弱村杏坪村党支部与强村柳坪村党支部结成对子。") == [("柳坪村党支部", "杏坪村党支部")]
    assert _sides("强村柳坪村党支部与弱村杏坪村党支部结成对子。") == [("柳坪村党支部", "杏坪村党支部")]
    # 强 inside a village's own name is no label
    assert _sides("富强村党支部与杏坪村党支部结对。") == [("富强村党支部", "杏坪村党支部")]
    assert _sides("弱村杏坪村党支部由强村柳坪村党支部结对帮扶。") == [("柳坪村党支部", "杏坪村党支部")]


def test_the_village_that_helps_is_strong() -> None:
    t = "杏坪村党支部与柳坪村党支部结对,柳坪村党支部选派技术骨干帮助杏坪村发展茶叶。"
    assert _sides(t) == [("柳坪村党支部", "杏坪村党支部")]
    t = "柳坪村党支部与杏坪村党支部结对后,帮助杏坪村新建冷库1座。"
    assert _sides(t) == [("柳坪村党支部", "杏坪村党支部")]


def test_whole_chain_is_named_by_its_product() -> None:
    t = "雾岭县以生猪全产业链为纽带,由县畜牧中心党支部担任链长单位,联合雾岭县丰源牧业有限公司党支部、猪坪村党支部开展链上联建。"
    [c] = _links(t, "链上联建")
    assert (c["chain"], c["lead"]) == ("生猪", "县畜牧中心党支部")
    t = "县畜牧中心党支部牵头,联合雾岭县丰源牧业有限公司党支部、猪坪村党支部组建生猪全产业链党委。"
    [c] = _links(t, "链上联建")
    assert (c["chain"], c["group"]) == ("生猪", "生猪全产业链党委")


def test_scorer_counts_wrong_fields_apart() -> None:
    import importlib.util
    from collections import Counter

    import pandas as pd

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "extract_eval.py"
    spec = importlib.util.spec_from_file_location("extract_eval_for_test", path)
    assert spec is not None and spec.loader is not None
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)
    links = pd.DataFrame([
        {"lead": "县档案馆党支部", "strong": "", "weak": "", "chain": "香菇产业链", "stages": ["制种", "栽培"]},
        {"lead": "", "strong": "杏坪村党支部", "weak": "柳坪村党支部", "chain": "", "stages": []},
        {"lead": "县地震局党支部", "strong": "", "weak": "", "chain": "", "stages": []},
    ])
    gold = [
        {"type": "链上联建", "members": ["a"], "lead": "县档案馆党支部", "chain": "香菇", "stages": ["制种", "烘干"]},
        {"type": "结对共建", "members": ["b"], "strong": "柳坪村党支部", "weak": "杏坪村党支部"},
        {"type": "片区联建", "members": ["c"]},
    ]
    c: Counter[str] = Counter()
    errors: list[str] = []
    ev._score_fields(c, links, list(enumerate(gold)), "x.txt", errors)
    assert (c["lead_ok"], c["lead_pairs"], c["lead_extra"]) == (1, 1, 1)
    assert (c["chain_ok"], c["chain_pairs"]) == (1, 1)  # 香菇产业链 = 香菇
    assert (c["stages_ok"], c["stages_pairs"]) == (0, 1)
    assert (c["strong_ok"], c["weak_ok"], c["strong_pairs"]) == (0, 0, 1)
    assert len(errors) == 4
