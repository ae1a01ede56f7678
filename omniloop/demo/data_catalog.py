"""Static data for the demo catalogue: categories, colours and materials."""

from __future__ import annotations

# code, name, name_en, style-code letters, drawing, sizes
CATEGORIES = (
    ("coats", "外套", "Coats", "CT", "coat", ("XS", "S", "M", "L", "XL")),
    ("shirts", "衬衫", "Shirts", "SH", "shirt", ("XS", "S", "M", "L", "XL")),
    ("knitwear", "针织", "Knitwear", "KN", "knit", ("XS", "S", "M", "L", "XL")),
    ("trousers", "裤装", "Trousers", "TR", "trousers", ("25", "26", "27", "28", "29")),
    ("dresses", "连衣裙", "Dresses", "DR", "dress", ("XS", "S", "M", "L", "XL")),
    ("shoes", "鞋履", "Shoes", "SO", "shoe", ("36", "37", "38", "39", "40")),
    ("accessories", "配饰", "Accessories", "AC", "bag", ("F",)),
)
TOPS = ("coats", "shirts", "knitwear", "dresses")
BOTTOMS = ("trousers", "shoes", "accessories")

# key: name, name_en, hex
COLOURS = {
    "BLK": ("黑色", "Black", "#2b2b2e"),
    "WHT": ("白色", "White", "#f7f5f0"),
    "CRM": ("奶白", "Cream", "#efe4cf"),
    "OAT": ("燕麦色", "Oatmeal", "#d9c9a9"),
    "CML": ("驼色", "Camel", "#b98b5b"),
    "CAR": ("焦糖色", "Caramel", "#9c5f30"),
    "KHK": ("卡其色", "Khaki", "#b7a376"),
    "NVY": ("藏青", "Navy", "#27324d"),
    "BLU": ("雾蓝", "Mist blue", "#8fa8c2"),
    "IND": ("靛蓝", "Indigo", "#3d4f7a"),
    "GRY": ("麻灰", "Heather grey", "#8e8e8c"),
    "OLV": ("橄榄绿", "Olive", "#6b6f45"),
    "FOR": ("墨绿", "Forest green", "#2f4b3b"),
    "BUR": ("酒红", "Burgundy", "#6e2434"),
    "PNK": ("雾粉", "Dusty pink", "#d8a49e"),
}

# key: material, material_en, origin, origin_en, care, care_en
MATERIALS = {
    "wool": (
        "100% 羊毛",
        "100% wool",
        "中国 浙江",
        "Zhejiang, China",
        "专业干洗，平铺晾干",
        "Dry clean only; dry flat",
    ),
    "wool_blend": (
        "70% 羊毛 30% 聚酰胺纤维",
        "70% wool, 30% polyamide",
        "中国 江苏",
        "Jiangsu, China",
        "专业干洗",
        "Dry clean only",
    ),
    "cashmere": (
        "100% 山羊绒",
        "100% cashmere",
        "中国 内蒙古鄂尔多斯",
        "Ordos, Inner Mongolia, China",
        "30°C 以下手洗，平铺晾干",
        "Hand wash below 30°C; dry flat",
    ),
    "merino": (
        "100% 美利奴羊毛",
        "100% merino wool",
        "中国 浙江",
        "Zhejiang, China",
        "羊毛程序机洗，平铺晾干",
        "Machine wash on wool cycle; dry flat",
    ),
    "mohair": (
        "55% 马海毛 45% 羊毛",
        "55% mohair, 45% wool",
        "意大利面料，中国制造",
        "Italian yarn, made in China",
        "手洗，勿拧干",
        "Hand wash; do not wring",
    ),
    "cotton": (
        "100% 棉",
        "100% cotton",
        "中国 广东",
        "Guangdong, China",
        "30°C 机洗，中温熨烫",
        "Machine wash at 30°C; warm iron",
    ),
    "poplin": (
        "100% 长绒棉府绸",
        "100% long-staple cotton poplin",
        "中国 江苏",
        "Jiangsu, China",
        "30°C 机洗，中温熨烫",
        "Machine wash at 30°C; warm iron",
    ),
    "linen": (
        "100% 亚麻",
        "100% linen",
        "中国 黑龙江",
        "Heilongjiang, China",
        "30°C 轻柔机洗，反面熨烫",
        "Gentle machine wash at 30°C; iron inside out",
    ),
    "silk": (
        "100% 桑蚕丝",
        "100% mulberry silk",
        "中国 浙江湖州",
        "Huzhou, Zhejiang, China",
        "专业干洗，低温熨烫",
        "Dry clean only; cool iron",
    ),
    "lyocell": (
        "100% 莱赛尔（天丝）",
        "100% lyocell (Tencel)",
        "中国 广东",
        "Guangdong, China",
        "30°C 轻柔机洗",
        "Gentle machine wash at 30°C",
    ),
    "gabardine": (
        "100% 棉华达呢",
        "100% cotton gabardine",
        "中国 上海",
        "Shanghai, China",
        "专业干洗",
        "Dry clean only",
    ),
    "denim": (
        "98% 棉 2% 氨纶",
        "98% cotton, 2% elastane",
        "中国 广东新塘",
        "Xintang, Guangdong, China",
        "反面冷水机洗，勿漂白",
        "Wash inside out in cold water; do not bleach",
    ),
    "corduroy": (
        "100% 棉灯芯绒",
        "100% cotton corduroy",
        "中国 江苏",
        "Jiangsu, China",
        "30°C 反面机洗",
        "Machine wash inside out at 30°C",
    ),
    "down": (
        "面料 100% 聚酰胺纤维；填充 90% 白鸭绒",
        "Shell 100% polyamide; fill 90% white duck down",
        "中国 江苏",
        "Jiangsu, China",
        "专业羽绒清洗",
        "Professional down cleaning",
    ),
    "leather": (
        "100% 小羊皮",
        "100% lambskin leather",
        "中国 广东",
        "Guangdong, China",
        "专业皮革护理",
        "Specialist leather cleaning",
    ),
    "calf": (
        "鞋面 100% 牛皮；鞋底 橡胶",
        "Upper 100% calf leather; rubber sole",
        "意大利",
        "Italy",
        "软布擦拭，定期上油",
        "Wipe with a soft cloth; condition regularly",
    ),
    "suede": (
        "鞋面 100% 牛麂皮；鞋底 橡胶",
        "Upper 100% suede; rubber sole",
        "中国 广东",
        "Guangdong, China",
        "麂皮刷清洁，避免沾水",
        "Brush clean; keep dry",
    ),
    "canvas": (
        "鞋面 100% 棉帆布；鞋底 橡胶",
        "Upper 100% cotton canvas; rubber sole",
        "中国 福建",
        "Fujian, China",
        "局部刷洗，阴干",
        "Spot clean; air dry",
    ),
}

SCARVES = ("羊绒围巾", "真丝方巾")  # drawn as a scarf instead of a bag
