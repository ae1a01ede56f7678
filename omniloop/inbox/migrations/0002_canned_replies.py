from django.db import migrations

REPLIES = [
    ("道歉并致电", "", "非常抱歉给您带来不好的体验！我们的客服马上会与您联系，先把问题解决好。"),
    (
        "皮肤不适：先就医",
        "skin_reaction",
        "非常抱歉！请先停止穿着并尽快就医，医疗费用由我们承担。客服将在两分钟内与您电话联系。",
    ),
    ("质量：退换", "quality", "很抱歉商品出现质量问题。您可在任一门店或线上直接退换，我们承担运费。"),
    ("尺码：换码", "size", "抱歉尺码不合适！任一门店都可为您免费换码，也可线上申请，我们上门取件。"),
    ("物流：跟进", "delivery", "抱歉让您久等了！我们已联系快递加急处理，今天内给您回复最新进度。"),
    ("Apology", "", "We are very sorry. Our customer service will contact you right away."),
]


def add(apps, schema_editor):
    CannedReply = apps.get_model("inbox", "CannedReply")
    for title, category, body in REPLIES:
        CannedReply.objects.create(title=title, category=category, body=body)


def remove(apps, schema_editor):
    apps.get_model("inbox", "CannedReply").objects.filter(
        title__in=[t for t, _, _ in REPLIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
