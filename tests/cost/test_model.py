"""The pure cost model: the seed's corrected figures, per-second billing with the 60 s
minimum, capacities, usage limits, the what-ifs. Decimal in, exact cents out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rsfleet.cost import model
from rsfleet.errors import UsageError

P = Decimal("0.36")
D = Decimal


def wg(rpu=32, hours="8", **kw):
    kw.setdefault("days", 30)
    kw.setdefault("rpu_hour", P)
    return model.workgroup("w", rpu, model.Usage.hours(D(hours)), **kw)


@pytest.mark.parametrize(("hours", "expected"), [("8", "2764.80"), ("4", "1382.40"),
                                                 ("2", "691.20")])
def test_seed_figures_corrected(hours, expected):
    w = wg(hours=hours)
    assert w.monthly == D(expected)
    assert str(w.monthly) == expected  # exact cents, no float residue
    assert w.yearly == D(expected) * 12
    assert w.rpu_hours_month == 32 * D(hours) * 30


def test_seed_total_is_4838_40():
    est = model.Estimate([wg(hours="8"), wg(hours="4"), wg(hours="2")])
    assert est.monthly == D("4838.40")
    assert est.yearly == D("58060.80")
    # the seed's table showed a tenth of each figure
    assert est.monthly / 10 == D("483.84")


@pytest.mark.parametrize(
    ("bursts", "seconds", "billed_seconds"),
    [
        (1, "10", 60),     # a 10 s burst is billed the 60 s minimum
        (1, "59.9", 60),
        (1, "60", 60),
        (1, "61", 61),     # past the minimum: per second
        (3, "61.5", "184.5"),
        (100, "0.5", 6000),
        (0, "30", 0),      # no bursts: no compute cost
        (5, "0", 0),       # zero-length bursts: nothing ran
    ],
)
def test_per_second_billing_with_60_second_minimum(bursts, seconds, billed_seconds):
    usage = model.Usage.bursts(bursts, D(seconds))
    assert usage.billed_seconds_per_day() == D(billed_seconds)
    w = model.workgroup("w", 8, usage, days=30, rpu_hour=P)
    # 8 RPU x billed seconds x 30 days at $0.36/RPU-hour, rounded to cents once
    assert w.monthly == model.money(8 * D(billed_seconds) * 30 * P / 3600)


def test_ten_second_burst_costs_as_much_as_a_sixty_second_one():
    ten = model.workgroup("w", 8, model.Usage.bursts(200, D(10)), days=30, rpu_hour=P)
    sixty = model.workgroup("w", 8, model.Usage.bursts(200, D(60)), days=30, rpu_hour=P)
    sixty_one = model.workgroup("w", 8, model.Usage.bursts(200, D(61)), days=30, rpu_hour=P)
    assert ten.monthly == sixty.monthly == D("288.00")  # 200 x 60 s x 8 RPU x 30 d
    assert sixty_one.monthly > sixty.monthly


def test_busy_hours_are_one_active_period_with_the_minimum():
    assert model.Usage.hours(D("0.01")).billed_seconds_per_day() == 60  # 36 s -> 60 s
    assert model.Usage.hours(D(0)).billed_seconds_per_day() == 0
    assert model.Usage.hours(D(24)).billed_seconds_per_day() == 86400


def test_bursts_filling_a_day_exactly_are_allowed_beyond_are_rejected():
    full = model.workgroup("w", 8, model.Usage.bursts(1440, D(1)), days=30, rpu_hour=P)
    assert full.billed_hours_per_day == 24  # 1440 x the 60 s minimum
    with pytest.raises(UsageError, match="more than 24"):
        model.workgroup("w", 8, model.Usage.bursts(1441, D(1)), days=30, rpu_hour=P)


@pytest.mark.parametrize(("hours", "ok"), [("-1", False), ("24.01", False), ("0", True),
                                           ("24", True)])
def test_hours_range(hours, ok):
    if ok:
        wg(hours=hours)
    else:
        with pytest.raises(UsageError, match="between 0 and 24"):
            wg(hours=hours)


@pytest.mark.parametrize(("rpu", "region", "ok"), [
    (4, None, True), (8, None, True), (512, "ap-south-1", True), (12, None, False),
    (520, "us-east-1", False), (1024, "us-east-1", True), (1024, "ap-south-1", False),
    (0, None, False),
])
def test_capacity_rule_reused_from_the_spec(rpu, region, ok):
    if ok:
        wg(rpu=rpu, region=region)
    else:
        with pytest.raises(UsageError, match="not an allowed base capacity"):
            wg(rpu=rpu, region=region)


def test_days_and_max_capacity_checked():
    with pytest.raises(UsageError, match="--days"):
        wg(days=0)
    with pytest.raises(UsageError, match="--days"):
        wg(days=32)
    with pytest.raises(UsageError, match="below base capacity"):
        wg(rpu=32, max_rpu=16)


def test_max_capacity_ceiling_and_note():
    w = wg(rpu=32, max_rpu=128, hours="8")
    assert w.monthly_at_max == D("11059.20")  # 4 x 2764.80
    est = model.Estimate([w])
    notes = model.notes_for(est)
    assert any("$11,059.20" in n and "max capacity" in n for n in notes)
    assert any("idle time costs nothing" in n for n in notes)
    # no ceiling note when max == base
    assert not any("max capacity" in n for n in model.notes_for(model.Estimate([wg()])))


@pytest.mark.parametrize(("limit", "fragment"), [
    (model.UsageLimit(1000, "monthly", "deactivate"), "turned off there"),
    (model.UsageLimit(1000, "monthly", "log"), "'log' only reports it"),
    (model.UsageLimit(10, "daily", "emit-metric"), "≈ 300/month"),
    (model.UsageLimit(100, "weekly", "deactivate"), "≈ 428.571/month"),
])
def test_usage_limit_exceeded_is_noted(limit, fragment):
    w = wg(usage_limit=limit)  # 7680 RPU-hours/month
    notes = model.notes_for(model.Estimate([w]))
    assert any(fragment in n and "over its usage limit" in n for n in notes), notes


def test_usage_limit_deactivate_states_the_capped_cost():
    w = wg(usage_limit=model.UsageLimit(1000, "monthly", "deactivate"))
    assert any("$360.00" in n for n in model.notes_for(model.Estimate([w])))


def test_usage_limit_not_reached_no_note():
    w = wg(usage_limit=model.UsageLimit(8000, "monthly", "deactivate"))
    assert not any("usage limit" in n and "over" in n
                   for n in model.notes_for(model.Estimate([w])))


def test_split_vs_single():
    out = model.split_vs_single(32, D(4), days=30, rpu_hour=P)
    assert out["same_time"]["two_small_monthly"] == out["same_time"]["one_big_monthly"] \
        == "2764.80"
    assert out["different_times"]["two_small_monthly"] == "2764.80"
    assert out["different_times"]["one_big_monthly"] == "5529.60"
    assert out["big_rpu"] == 64 and out["big_rpu_allowed"] is True


def test_split_vs_single_periods_that_cannot_both_fit_apart_overlap():
    out = model.split_vs_single(32, D(16), days=30, rpu_hour=P)
    # two 16 h periods overlap by at least 8 h: the big one is busy 24 h, not 32
    assert out["different_times"]["one_big_busy_hours_per_day"] == "24"
    assert out["different_times"]["one_big_monthly"] == str(model.money(64 * 24 * 30 * P))


def test_split_vs_single_flags_a_big_capacity_the_region_lacks():
    out = model.split_vs_single(512, D(1), days=30, rpu_hour=P, region="ap-south-1")
    assert out["big_rpu"] == 1024 and out["big_rpu_allowed"] is False
    assert "only offered" in out["big_rpu_problem"]


@given(rpu=st.sampled_from([4, 8, 16, 24, 32, 64, 128, 256]),
       hundredths=st.integers(min_value=0, max_value=2400),
       price=st.decimals(min_value="0.001", max_value="5", places=4),
       days=st.integers(min_value=1, max_value=31))
def test_same_busy_hours_cost_the_same_split_or_not(rpu, hundredths, price, days):
    out = model.split_vs_single(rpu, D(hundredths) / 100, days=days, rpu_hour=price)
    assert out["same_time"]["two_small_monthly"] == out["same_time"]["one_big_monthly"]
    assert D(out["different_times"]["one_big_monthly"]) >= \
        D(out["different_times"]["two_small_monthly"])


def test_one_more_consumer():
    like = wg(hours="4")
    out = model.one_more_consumer(like, D("4838.40"))
    assert out["monthly"] == "1382.40"
    assert out["new_total_monthly"] == "6220.80"


def test_nlcus_for_tcp_is_the_largest_dimension():
    per = (D(800), D(100000), D(1))
    assert model.nlcus_for_tcp(new_connections_per_second=D(1600), active_connections=D(10),
                               processed_gb_per_hour=D("0.5"), per_nlcu=per) == 2
    assert model.nlcus_for_tcp(new_connections_per_second=D(1), active_connections=D(350000),
                               processed_gb_per_hour=D(1), per_nlcu=per) == D("3.5")


def test_nlb_and_storage_lines():
    nlb = model.nlb_line(days=30, nlb_hour=D("0.0225"), lcu_hour=D("0.006"), lcus=D(1))
    assert nlb.monthly == D("20.52")  # 720 h x (0.0225 + 0.006)
    assert nlb.yearly == D("246.24")
    assert model.storage_line(D(1000), D("0.024")).monthly == D("24.00")
