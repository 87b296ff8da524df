"""Chinese names for the demo's customers and groups (``creditdesk demo --lang zh``).

A name is what a Chinese company registers: city + brand + trade + 有限公司 / 股份有限公司
(上海恒泰精密机械有限公司); a group's members share its brand (恒泰集团有限公司). The names are
drawn from a generator of their own, seeded from the demo's seed, after every other draw: the
English demo of the same seed stays the same table for table, and the Chinese one differs from it
only in the names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_CITIES = [
    "上海", "北京", "深圳", "广州", "苏州", "杭州", "宁波", "无锡", "南京", "天津", "青岛", "武汉",
    "成都", "重庆", "东莞", "佛山", "厦门", "合肥", "长沙", "郑州", "常州", "温州", "嘉兴", "济南",
    "西安", "沈阳", "大连", "福州", "泉州", "昆山",
]  # fmt: skip
_BRANDS = [
    "恒泰", "华信", "中达", "金龙", "宝盛", "天宇", "星河", "鑫源", "永晟", "瑞丰", "博远", "汇通",
    "嘉禾", "安泰", "隆基", "德润", "启明", "盛世", "万通", "凯达", "联创", "同力", "富华", "宏图",
    "海纳", "信诚", "兴业", "长城", "明辉", "科瑞", "东升", "远航", "华美", "新锐", "正泰", "鼎盛",
    "荣昌", "顺达", "弘毅", "立信",
]  # fmt: skip
#: The trade words by the demo's industries (the calibration's); any other industry: a trading house.
_TRADES = {
    "manufacture": ["精密机械", "机电设备", "五金制品", "电子科技", "新材料", "汽车零部件", "塑胶制品", "智能装备"],
    "retail": ["商贸", "百货", "连锁超市", "电子商务", "家居用品", "食品贸易"],
    "construction": ["建设工程", "建材", "建筑装饰", "路桥工程", "钢结构", "水泥制品"],
    "agriculture": ["农业科技", "种业", "生态农业", "农产品", "饲料", "农机"],
}
_OTHER_TRADES = ["贸易", "实业", "科技", "供应链管理"]
#: Customers abroad carry the name of their place; a Chinese reader sees them so.
_ABROAD = {"HK": "香港", "SG": "新加坡", "DE": "德国", "US": "美国", "JP": "日本", "KR": "韩国"}


def chinese_names(customers: pd.DataFrame, groups: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The customers and groups tables with Chinese names, deterministic from ``seed``; unique."""
    rng = np.random.default_rng([seed, 21])
    group_brand = {gid: _BRANDS[int(rng.integers(len(_BRANDS)))] for gid in groups["group_id"]}
    taken: set[str] = set()
    names = []
    for row in customers.itertuples(index=False):
        group_id = getattr(row, "group_id", None)
        brand = group_brand.get(group_id) if isinstance(group_id, str) else None
        brand = brand or _BRANDS[int(rng.integers(len(_BRANDS)))]
        trades = _TRADES.get(str(getattr(row, "industry", "")), _OTHER_TRADES)
        trade = trades[int(rng.integers(len(trades)))]
        country = str(getattr(row, "country", "CN") or "CN")
        place = _ABROAD.get(country) or _CITIES[int(rng.integers(len(_CITIES)))]
        suffix = "股份有限公司" if rng.random() < 0.2 else "有限公司"
        name = f"{place}{brand}{trade}{suffix}"
        while name in taken:  # a second company of the same name: a branch in another city
            name = f"{place}{brand}{trade}{suffix}{_CITIES[int(rng.integers(len(_CITIES)))]}分公司"
        taken.add(name)
        names.append(name)
    group_names: list[str] = []
    for group_id in groups["group_id"]:
        kind = "控股集团有限公司" if group_id.startswith("H") else "集团有限公司"
        name = f"{group_brand[group_id]}{kind}"
        while name in taken:  # two groups of one brand: the second names its city
            name = f"{_CITIES[int(rng.integers(len(_CITIES)))]}{group_brand[group_id]}{kind}"
        taken.add(name)
        group_names.append(name)
    named_groups = groups.assign(name=group_names)
    return customers.assign(name=names), named_groups
