"""Tiny hand-made ledger folders for tests (answers worked out by hand)."""
from __future__ import annotations

import csv
from pathlib import Path

ROSTER_HEADER = ["党组织名称", "组织类型", "领域", "层级", "所属镇(街道)", "所在村(社区)", "上级党组织", "党员数", "分类定级", "定级年度", "是否软弱涣散"]
ROSTER = [
    ["中共示例县农业农村局委员会", "党委", "机关", "县", "", "", "", "45", "一类", "2024", "否"],
    ["示例县教体局党支部", "党支部", "机关", "县", "", "", "", "30", "二类", "2024", "否"],
    ["东岭镇党委", "党委", "机关", "镇", "东岭镇", "", "", "50", "一类", "2024", "否"],
    ["东岭镇青石村党支部", "党支部", "农村", "村", "东岭镇", "青石村", "东岭镇党委", "20", "一类", "2024", "否"],
    ["东岭镇白水村党支部", "党支部", "农村", "村", "东岭镇", "白水村", "东岭镇党委", "12", "三类", "2024", "是"],
]
DISTRICT_HEADER = ["片区名称", "单位名称", "角色", "轮值月份", "联片指导领导", "开始日期"]
DISTRICT = [
    ["第一片区", "农业农村局党委", "牵头单位", "1", "张某", "2024年1月"],
    ["第一片区", "示例县教体局党支部", "轮值单位", "2月", "", "2024/1/1"],
]
PAIRING_HEADER = ["帮扶党组织", "受援党组织", "结对形式", "开始日期", "结束日期"]
PAIRING = [["东岭镇青石村党支部", "东岭镇白水村党支部", "强村带弱村", "2024.03", ""]]


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def mini_county(folder: Path, *, pairing: list[list[str]] | None = None, roster: list[list[str]] | None = None) -> Path:
    """Write the five-org mini county: a district of two agency orgs, one pairing."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "graphkit.yaml").write_text("county: 示例县\n", encoding="utf-8")
    write_csv(folder / "党组织名册.csv", ROSTER_HEADER, roster if roster is not None else ROSTER)
    write_csv(folder / "片区联建台账.csv", DISTRICT_HEADER, DISTRICT)
    write_csv(folder / "结对共建台账.csv", PAIRING_HEADER, pairing if pairing is not None else PAIRING)
    return folder
