"""Demo suppliers and products for the assisted counties the seeds name.

Each county: its well-known specialties (category, unit, base price in fen).
Names follow how such businesses are really named (奉节县脐橙专业合作社).
"""

# county code: (short name, [(specialty, category, unit, base price fen)])
COUNTIES = {
    "500236": (
        "奉节",
        [
            ("脐橙", "fruit.citrus", "箱", 6900),
            ("夏橙", "fruit.citrus", "箱", 5900),
            ("血橙", "fruit.citrus", "箱", 7900),
        ],
    ),
    "500237": (
        "巫山",
        [
            ("脆李", "fruit.plum_peach", "箱", 6800),
            ("庙党", "herbs", "袋", 9800),
            ("洋芋", "vegetables.tubers", "袋", 2900),
        ],
    ),
    "500229": (
        "城口",
        [
            ("老腊肉", "meat_eggs.cured", "袋", 12800),
            ("山地鸡", "meat_eggs.fresh", "只", 16800),
            ("核桃", "dried_goods.nuts_spices", "袋", 4500),
            ("土蜂蜜", "honey", "瓶", 8800),
        ],
    ),
    "500238": (
        "巫溪",
        [
            ("洋芋", "vegetables.tubers", "袋", 2600),
            ("腊肉", "meat_eggs.cured", "袋", 11800),
            ("党参", "herbs", "袋", 8900),
        ],
    ),
    "500242": (
        "酉阳",
        [
            ("茶油", "grain_oil.oil", "瓶", 13800),
            ("青花椒", "dried_goods.nuts_spices", "袋", 3900),
            ("贡米", "grain_oil.rice_flour", "袋", 6900),
            ("土家织锦", "handicrafts", "件", 19800),
        ],
    ),
    "500243": (
        "彭水",
        [
            ("红薯粉", "processed_food", "袋", 2800),
            ("苗绣", "handicrafts", "件", 16800),
            ("魔芋", "vegetables.fresh", "袋", 3200),
        ],
    ),
    "500240": (
        "石柱",
        [
            ("黄连", "herbs", "袋", 15800),
            ("辣椒", "dried_goods.nuts_spices", "袋", 2500),
            ("莼菜", "vegetables.fresh", "瓶", 4800),
        ],
    ),
    "500241": (
        "秀山",
        [
            ("土鸡", "meat_eggs.fresh", "只", 15800),
            ("毛尖", "tea", "盒", 12800),
            ("金银花", "herbs", "袋", 6800),
        ],
    ),
    "500235": ("云阳", [("红橙", "fruit.citrus", "箱", 5800), ("菊花", "tea", "盒", 5800)]),
    "500230": ("丰都", [("牛肉干", "processed_food", "袋", 6800), ("红心柚", "fruit.citrus", "箱", 4800)]),
    "500154": ("开州", [("春橙", "fruit.citrus", "箱", 6200), ("冰脆李", "fruit.plum_peach", "箱", 5600)]),
    "500101": ("万州", [("玫瑰香橙", "fruit.citrus", "箱", 6600), ("古红桔", "fruit.citrus", "箱", 4600)]),
    "500114": ("黔江", [("猕猴桃", "fruit.kiwi", "箱", 7800), ("脆红李", "fruit.plum_peach", "箱", 5200)]),
    "500156": (
        "武隆",
        [("高山白菜", "vegetables.fresh", "箱", 3600), ("羊角豆干", "processed_food", "袋", 2900)],
    ),
    "530627": (
        "镇雄",
        [("马铃薯", "vegetables.tubers", "袋", 2400), ("黄牛肉", "meat_eggs.fresh", "袋", 15800)],
    ),
    "530628": ("彝良", [("天麻", "herbs", "盒", 19800), ("竹荪", "dried_goods.fungi", "袋", 12800)]),
    "530602": (
        "昭通",
        [("苹果", "fruit.apple_pear", "箱", 6800), ("冰糖心苹果", "fruit.apple_pear", "箱", 8800)],
    ),
    "530629": (
        "威信",
        [("方竹笋", "vegetables.fresh", "袋", 3900), ("土鸡蛋", "meat_eggs.fresh", "盒", 4800)],
    ),
    "530621": (
        "鲁甸",
        [("花椒", "dried_goods.nuts_spices", "袋", 4200), ("樱桃", "fruit.other", "箱", 9800)],
    ),
    "530622": (
        "巧家",
        [("小碗红糖", "processed_food", "袋", 3600), ("核桃", "dried_goods.nuts_spices", "袋", 4300)],
    ),
    "510823": (
        "剑阁",
        [("土鸡", "meat_eggs.fresh", "只", 14800), ("翠冠梨", "fruit.apple_pear", "箱", 5600)],
    ),
    "510811": ("昭化", [("韭黄", "vegetables.fresh", "箱", 3800), ("猕猴桃", "fruit.kiwi", "箱", 7200)]),
    "511923": ("平昌", [("青花椒", "dried_goods.nuts_spices", "袋", 4100), ("江口青茶", "tea", "盒", 9800)]),
    "511922": ("南江", [("黄羊肉", "meat_eggs.fresh", "袋", 16800), ("大叶茶", "tea", "盒", 8800)]),
    "511921": (
        "通江",
        [("银耳", "dried_goods.fungi", "袋", 8800), ("空山马铃薯", "vegetables.tubers", "袋", 2800)],
    ),
}

# (name suffix, price multiplier) for the variants a specialty is sold in
VARIANTS = [
    ("特级 5斤装", 1.0),
    ("一级 5斤装", 0.85),
    ("特级 10斤装", 1.9),
    ("家庭装", 1.5),
    ("礼盒装", 1.6),
    ("尝鲜装", 0.55),
    ("企业团购装", 3.2),
    ("精选装", 1.2),
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗"
