import pytest

from omniloop.inbox.models import Category, Priority
from omniloop.inbox.triage import triage


@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        ("买的衬衫穿了皮肤发痒，起红疹", Category.SKIN_REACTION, Priority.HIGH),
        ("衬衫过敏了，我要投诉！", Category.SKIN_REACTION, Priority.URGENT),
        ("The shirt gave me a rash", Category.SKIN_REACTION, Priority.HIGH),
        ("洗了一次就起球掉色", Category.QUALITY, Priority.NORMAL),
        ("The seam is torn after one wash", Category.QUALITY, Priority.NORMAL),
        ("尺码偏小，想换大一码", Category.SIZE, Priority.NORMAL),
        ("Too small, can I change the size?", Category.SIZE, Priority.NORMAL),
        ("店员态度很差，爱答不理", Category.SERVICE, Priority.HIGH),
        ("The staff were rude", Category.SERVICE, Priority.HIGH),
        ("快递三天了还没收到", Category.DELIVERY, Priority.NORMAL),
        ("My parcel never arrived, I need it immediately", Category.DELIVERY, Priority.URGENT),
        ("你们几点开门？", Category.OTHER, Priority.NORMAL),
        ("What a profitable fitness day", Category.OTHER, Priority.NORMAL),  # no "fit" at a start
    ],
)
def test_rules_in_chinese_and_english(text, category, priority):
    result = triage(text)
    assert (result.category, result.priority) == (category, priority)


def test_a_given_category_wins_and_a_low_rating_raises_priority():
    result = triage("还行吧", category="delivery", rating=1)
    assert (result.category, result.priority) == (Category.DELIVERY, Priority.HIGH)
    assert triage("还行吧", rating=4).priority == Priority.NORMAL
