"""The growth app's background work: the referral rewards that fell due."""

from __future__ import annotations

from django_tasks import task

from omniloop.growth.referral import referral_rewards_due


@task(queue_name="default")
def referral_rewards_task() -> dict[str, int]:
    return referral_rewards_due()
