"""QR touchpoints: a counter per store, a card per assistant, product tags, two campaign posters."""

from __future__ import annotations

from omniloop.demo.context import Demo
from omniloop.touchpoints.models import Touchpoint

TAGS_PER_STORE = 20


def build_touchpoints(demo: Demo) -> None:
    rng = demo.rng
    rows: list[Touchpoint] = []
    in_store = [p for p in demo.products if p.pk in demo.availability["store-till"]]
    for store in demo.stores:
        if store.status != store.Status.OPEN:
            continue
        rows.append(
            Touchpoint(
                scene=rng.scene(),
                kind=Touchpoint.Kind.STORE_COUNTER,
                store=store,
                label=f"收银台 · {store.name}",
            )
        )
        for assistant in demo.assistants[store.pk]:
            rows.append(
                Touchpoint(
                    scene=rng.scene(),
                    kind=Touchpoint.Kind.ASSISTANT_CARD,
                    store=store,
                    assistant=assistant,
                    label=f"{assistant.display_name} · {assistant.staff_code}",
                )
            )
        for product in sorted(
            rng.sample(in_store, k=min(TAGS_PER_STORE, len(in_store))), key=lambda p: p.style_code
        ):
            rows.append(
                Touchpoint(
                    scene=rng.scene(),
                    kind=Touchpoint.Kind.PRODUCT_TAG,
                    store=store,
                    product=product,
                    label=f"{product.name} · {store.code}",
                )
            )
    flagship = next(s for s in demo.stores if s.code == "sh01")
    rows.append(
        Touchpoint(
            scene=rng.scene(),
            kind=Touchpoint.Kind.POSTER,
            label="冬季新品 · 会员招募海报 Winter launch",
        )
    )
    rows.append(
        Touchpoint(
            scene=rng.scene(),
            kind=Touchpoint.Kind.POSTER,
            store=flagship,
            label="双十一会员日 · 南京西路旗舰店 Singles' Day member event",
        )
    )
    Touchpoint.objects.bulk_create(rows)
    for tp in Touchpoint.objects.all():
        if tp.kind == Touchpoint.Kind.STORE_COUNTER:
            demo.counters[tp.store_id] = tp  # type: ignore[index]
        elif tp.kind == Touchpoint.Kind.ASSISTANT_CARD:
            demo.cards[tp.assistant_id] = tp  # type: ignore[index]
        elif tp.kind == Touchpoint.Kind.PRODUCT_TAG:
            demo.tags.setdefault(tp.store_id, []).append(tp)  # type: ignore[arg-type]
        else:
            demo.posters.append(tp)
