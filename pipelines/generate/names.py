"""Chinese names for the synthetic world: people, enterprises, hospitals and hubs.

Everything is vectorised: callers pass a numpy Generator and a count and get
numpy string arrays back.
"""

from __future__ import annotations

import numpy as np

# The most common surnames, roughly by frequency (first ones most common).
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力宇鹏浩俊峰凯欣怡婷雪琳晨阳子涵宁轩睿博嘉佳悦梓思雨昊然淑颖志国荣海波斌晓春燕鑫琪"
)
BRAND_CHARS = list("华盛瑞恒通达鑫宏昌泰兴隆润丰源祥瑞金银天诚信德安康永利嘉创新远航科汇联合众博雅弘扬中联信宜")
INDUSTRY_WORDS: dict[str, list[str]] = {
    "A": ["农业发展", "生态农业", "养殖"],
    "B": ["矿业", "石材"],
    "C": ["机械制造", "电子科技", "新材料", "纺织", "化工", "精密制造", "食品", "汽车零部件"],
    "D": ["能源", "电力", "燃气"],
    "E": ["环保工程", "水务"],
    "F": ["建设工程", "建筑安装", "装饰工程"],
    "G": ["贸易", "商贸", "供应链", "超市", "便利店", "五金店"],
    "H": ["餐饮管理", "饭店", "小吃店"],
    "I": ["运输", "物流", "快递服务"],
    "J": ["软件", "信息技术", "网络科技"],
    "K": ["小额贷款", "投资管理"],
    "L": ["房地产开发", "物业管理"],
    "M": ["商务咨询", "人力资源", "广告传媒"],
    "N": ["科技研发", "检测技术"],
    "O": ["水利管理", "生态环境治理"],
    "P": ["家政服务", "美容美发", "维修服务"],
    "Q": ["教育咨询", "培训中心"],
    "R": ["医疗管理", "诊所", "药房"],
    "S": ["文化传媒", "体育发展"],
    "T": ["社区服务", "社会组织"],
}


def person_names(u: np.ndarray) -> np.ndarray:
    """Chinese personal names: a frequency-weighted surname plus one or two given characters.

    Args:
        u: (n, 4) uniform floats (surname, first, second, whether a second character).

    Returns:
        Array of names (2 or 3 characters).
    """
    weights = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8
    cumulative = np.cumsum(weights) / weights.sum()
    surname = np.array(SURNAMES)[np.minimum(np.searchsorted(cumulative, u[:, 0]), len(SURNAMES) - 1)]
    given = np.array(GIVEN_CHARS)
    first = given[(u[:, 1] * len(given)).astype(int) % len(given)]
    second = np.where(u[:, 3] < 0.7, given[(u[:, 2] * len(given)).astype(int) % len(given)], "")
    return np.char.add(np.char.add(surname, first), second)


def brands(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Two-character trade names (字号) from two uniform arrays."""
    chars = np.array(BRAND_CHARS)
    k = len(chars)
    return np.char.add(chars[(u1 * k).astype(int) % k], chars[(u2 * k).astype(int) % k])


def enterprise_name_parts(
    rng: np.random.Generator, city_names: np.ndarray, sections: np.ndarray, individual: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Registered names in three parts: city prefix, trade name, industry word + legal form.

    Args:
        rng: random source.
        city_names: city name per entity (e.g. "苏州市"); the "市" is dropped.
        sections: GB/T 4754 section letter per entity.
        individual: True for individual businesses (个体工商户), which carry no legal form.

    Returns:
        (prefix, brand, tail); the name is their concatenation. A name change swaps the brand.
    """
    n = len(sections)
    brand = brands(rng.random(n), rng.random(n))
    word = np.empty(n, dtype=object)
    for section, words in INDUSTRY_WORDS.items():
        mask = sections == section
        word[mask] = np.array(words, dtype=object)[rng.integers(0, len(words), int(mask.sum()))]
    legal_form = np.where(rng.random(n) < 0.08, "股份有限公司", "有限公司")
    tail = np.char.add(word.astype(str), np.where(individual, "", legal_form))
    return np.char.replace(city_names.astype(str), "市", ""), brand, tail
