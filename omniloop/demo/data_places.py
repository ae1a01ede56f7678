"""Static data for the demo brand's organisation: channels, stores in four cities, people's names.

Coordinates are those of the real shopping districts (Nanjing Rd, Sanlitun, Hubin, Chunxi Rd...)."""

from __future__ import annotations

from dataclasses import dataclass

BRAND_NAME = "衣见 YIJIAN"
BRAND_NAME_EN = "YIJIAN"
DEMO_PASSWORD = "omniloop-demo"  # noqa: S105 (a published demo login, not a secret)
TIMEZONE = "Asia/Shanghai"

# code, name, name_en, kind, platform, external_id
CHANNELS = (
    ("store-till", "门店收银", "Store till", "store_till", "", "POS-YIJIAN-01"),
    ("wechat-mall", "微信商城", "WeChat mall", "wechat_mall", "wechat", "wx7d3a5c9e1f2b4a60"),
    ("web-mall", "官网商城", "Web mall", "web_mall", "", "shop.yijian.example"),
    ("tmall", "天猫旗舰店", "Tmall flagship shop", "marketplace", "tmall", "tmall-68813572"),
    ("jd", "京东自营旗舰店", "JD flagship shop", "marketplace", "jd", "jd-1000421937"),
)


@dataclass(frozen=True)
class StoreSeed:
    code: str
    name: str
    name_en: str
    city: str
    address: str
    lat: str
    lon: str
    type: str
    opened_days_ago: int  # negative: opens in the future (a planned store)
    weight: float  # relative footfall


STORES = (
    StoreSeed(
        "sh01",
        "衣见 上海南京西路旗舰店",
        "YIJIAN Shanghai West Nanjing Road Flagship",
        "上海",
        "上海市静安区南京西路1266号恒隆广场L2",
        "31.229420",
        "121.452310",
        "flagship",
        2400,
        1.6,
    ),
    StoreSeed(
        "sh02",
        "衣见 上海新天地店",
        "YIJIAN Shanghai Xintiandi",
        "上海",
        "上海市黄浦区马当路245号新天地南里L1",
        "31.219650",
        "121.475120",
        "direct",
        1800,
        1.2,
    ),
    StoreSeed(
        "sh03",
        "衣见 上海陆家嘴国金店",
        "YIJIAN Shanghai Lujiazui IFC",
        "上海",
        "上海市浦东新区世纪大道8号国金中心商场B1",
        "31.236870",
        "121.502180",
        "direct",
        1300,
        1.1,
    ),
    StoreSeed(
        "sh04",
        "衣见 上海五角场店",
        "YIJIAN Shanghai Wujiaochang",
        "上海",
        "上海市杨浦区淞沪路8号百联又一城L3",
        "31.300410",
        "121.514260",
        "franchise",
        900,
        0.8,
    ),
    StoreSeed(
        "bj01",
        "衣见 北京三里屯旗舰店",
        "YIJIAN Beijing Sanlitun Flagship",
        "北京",
        "北京市朝阳区三里屯路19号太古里南区S6",
        "39.934120",
        "116.454720",
        "flagship",
        2100,
        1.5,
    ),
    StoreSeed(
        "bj02",
        "衣见 北京国贸店",
        "YIJIAN Beijing China World",
        "北京",
        "北京市朝阳区建国门外大街1号国贸商城B1",
        "39.909360",
        "116.459580",
        "direct",
        1500,
        1.1,
    ),
    StoreSeed(
        "bj03",
        "衣见 北京西单大悦城店",
        "YIJIAN Beijing Xidan Joy City",
        "北京",
        "北京市西城区西单北大街131号大悦城L4",
        "39.911230",
        "116.373180",
        "franchise",
        1000,
        0.9,
    ),
    StoreSeed(
        "hz01",
        "衣见 杭州湖滨旗舰店",
        "YIJIAN Hangzhou Hubin Flagship",
        "杭州",
        "杭州市上城区东坡路7号湖滨银泰in77 C区L1",
        "30.258930",
        "120.164020",
        "flagship",
        1900,
        1.4,
    ),
    StoreSeed(
        "hz02",
        "衣见 杭州武林银泰店",
        "YIJIAN Hangzhou Wulin Intime",
        "杭州",
        "杭州市拱墅区延安路530号武林银泰A馆L2",
        "30.273150",
        "120.164380",
        "direct",
        1200,
        1.0,
    ),
    StoreSeed(
        "hz03",
        "衣见 杭州滨江天街店",
        "YIJIAN Hangzhou Binjiang Paradise Walk",
        "杭州",
        "杭州市滨江区江汉路1515号龙湖天街L2",
        "30.208420",
        "120.210560",
        "franchise",
        120,
        0.7,
    ),
    StoreSeed(
        "cd01",
        "衣见 成都春熙路旗舰店",
        "YIJIAN Chengdu Chunxi Road Flagship",
        "成都",
        "成都市锦江区红星路三段1号IFS国际金融中心L3",
        "30.656470",
        "104.081230",
        "flagship",
        1700,
        1.4,
    ),
    StoreSeed(
        "cd02",
        "衣见 成都远洋太古里店",
        "YIJIAN Chengdu Sino-Ocean Taikoo Li",
        "成都",
        "成都市锦江区中纱帽街8号远洋太古里",
        "30.653420",
        "104.084610",
        "direct",
        1400,
        1.1,
    ),
    StoreSeed(
        "cd03",
        "衣见 成都金融城银泰店",
        "YIJIAN Chengdu Financial City Intime",
        "成都",
        "成都市高新区交子大道177号银泰中心in99 L2",
        "30.578360",
        "104.063420",
        "franchise",
        800,
        0.8,
    ),
    StoreSeed(
        "sh05",
        "衣见 上海前滩太古里店",
        "YIJIAN Shanghai Qiantan Taikoo Li",
        "上海",
        "上海市浦东新区东育路500号前滩太古里",
        "31.149730",
        "121.466920",
        "direct",
        -45,
        1.0,
    ),
)
ASSISTANTS_PER_STORE = 5
OTHER_CITIES = ("广州", "深圳", "南京", "苏州", "武汉", "重庆")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱江尹薛闫段雷侯龙史陶黎贺顾"
)
GIVEN_F = (
    "思琪",
    "雨桐",
    "欣怡",
    "子涵",
    "梓萱",
    "诗涵",
    "佳怡",
    "可欣",
    "一诺",
    "语嫣",
    "静怡",
    "婉清",
    "若曦",
    "梦瑶",
    "雅琪",
    "晓雯",
    "悦",
    "婷",
    "颖",
    "琳",
    "倩",
    "洁",
    "楠",
    "蕾",
    "丹",
    "慧敏",
    "晨曦",
    "安琪",
    "心怡",
    "嘉欣",
)
GIVEN_M = (
    "子轩",
    "浩然",
    "宇航",
    "俊杰",
    "一鸣",
    "博文",
    "天佑",
    "梓豪",
    "明哲",
    "思远",
    "嘉懿",
    "浩宇",
    "晨阳",
    "志强",
    "伟",
    "磊",
    "强",
    "涛",
    "斌",
    "超",
    "鹏",
    "杰",
    "昊",
    "哲",
    "凯",
    "文博",
    "子墨",
    "建华",
    "立新",
    "亦凡",
)

# username, role, display name
HQ_STAFF = (
    ("hq", "hq_admin", "林静怡（总部）"),
    ("marketing", "marketer", "赵可欣（市场部）"),
    ("service", "cs_agent", "孙悦（客服中心）"),
)

USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20240301 "
    "MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64 Weixin NetType/5G Language/zh_CN",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; 23127PN0CC) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.71 Mobile Safari/537.36",
)
