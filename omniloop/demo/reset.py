"""Remove the demo (or any) brand data, children before parents so no PROTECT stands in the way.
Superusers stay, so whoever runs the demo keeps their own login."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Model

from omniloop.accounts.models import ApiToken, User
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.catalog.models import (
    Category,
    ChannelAvailability,
    Collection,
    CollectionItem,
    OutfitLink,
    Product,
    ProductPhoto,
    Sku,
)
from omniloop.content.services import content_purge
from omniloop.inventory.models import StockLevel, StockMovement, StockReservation
from omniloop.listings.models import ChannelListing
from omniloop.loyalty.bulk import ledger_purge
from omniloop.marketplace.models import MarketplaceOrder
from omniloop.members.models import ConsentRecord, Member, MemberIdentity, MemberMerge
from omniloop.orders.models import Order, OrderLine
from omniloop.promotions.models import (
    Coupon,
    CouponTemplate,
    FlashSale,
    FlashSaleClaim,
    FlashSaleTally,
    GroupBuy,
    GroupBuyMember,
    Offer,
    Redemption,
)
from omniloop.settlement.purge import settlement_purge
from omniloop.stores.models import SalesChannel, Store
from omniloop.touchpoints.models import ScanEvent, Touchpoint, Visitor
from omniloop.workbench.models import FollowUpDone, Share, ShareableCoupon, ShareTally

# FK-safe order: every model comes after everything that points at it.
ORDER: tuple[type[Model], ...] = (
    Share,
    ShareTally,
    ShareableCoupon,
    FollowUpDone,
    StockMovement,
    StockReservation,
    StockLevel,
    Redemption,
    FlashSaleClaim,
    FlashSaleTally,
    FlashSale,
    GroupBuyMember,
    GroupBuy,
    Coupon,
    CouponTemplate,
    Offer,
    MarketplaceOrder,
    OrderLine,
    Order,
    BindingChange,
    MemberBinding,
    ScanEvent,
    Visitor,
    Touchpoint,
    MemberMerge,
    ConsentRecord,
    MemberIdentity,
    Member,
    ChannelListing,
    CollectionItem,
    Collection,
    OutfitLink,
    ChannelAvailability,
    Sku,
    ProductPhoto,
    Product,
    Category,
    ApiToken,
)


@transaction.atomic
def demo_reset() -> dict[str, int]:
    """Delete stock, orders, points, bindings, scans, visitors, touchpoints, members, channel
    listings, the catalogue (with its collections), tokens, staff (except superusers), stores
    and channels. Returns rows deleted per model."""
    deleted: dict[str, int] = {}
    Member.objects.exclude(merged_into=None).update(merged_into=None)
    Category.objects.exclude(parent=None).update(parent=None)
    for photo in ProductPhoto.objects.all():
        if photo.image:
            photo.image.delete(save=False)
    deleted.update(content_purge())  # before products and offers, which picks and promotions hold
    deleted.update(ledger_purge())  # before members, which the ledger points at
    deleted.update(settlement_purge())  # before orders and staff, which settlement points at
    for model in ORDER:
        deleted[model.__name__] = model._default_manager.all().delete()[0]
    deleted["User"] = User.objects.filter(is_superuser=False).delete()[0]
    deleted["Store"] = Store.objects.all().delete()[0]
    deleted["SalesChannel"] = SalesChannel.objects.all().delete()[0]
    return deleted
