"""RFM scoring and segments: breakpoints, score boundaries, the segment table."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from ecrm_oscar.customers import checks, rfm

THRESHOLDS = rfm.DEFAULT_THRESHOLDS


def test_quantile_breakpoints_are_nearest_rank():
    assert rfm.quantile_breakpoints(range(1, 11)) == [2, 4, 6, 8]
    assert rfm.quantile_breakpoints([5]) == [5, 5, 5, 5]
    assert rfm.quantile_breakpoints([]) is None
    # ties: most customers ordered once, so the lower breakpoints coincide
    assert rfm.quantile_breakpoints([1] * 6 + [2, 3, 5, 9]) == [1, 1, 1, 3]


@pytest.mark.parametrize(
    ("days", "score"),
    [(0, 5), (30, 5), (31, 4), (90, 4), (91, 3), (180, 3), (181, 2), (365, 2), (366, 1)],
)
def test_recency_score_boundaries(days, score):
    assert rfm.score_recency(days, THRESHOLDS["recency"]) == score


@pytest.mark.parametrize(
    ("orders", "score"), [(1, 1), (2, 2), (3, 3), (4, 3), (5, 4), (8, 4), (9, 5), (100, 5)]
)
def test_frequency_score_boundaries(orders, score):
    assert rfm.score_higher_better(orders, THRESHOLDS["frequency"]) == score


@pytest.mark.parametrize(
    ("spent", "score"), [(0, 1), (100, 1), (100.01, 2), (250, 2), (500, 3), (1000, 4), (1000.01, 5)]
)
def test_monetary_score_boundaries(spent, score):
    assert rfm.score_higher_better(spent, THRESHOLDS["monetary"]) == score


def test_equal_values_get_equal_scores_with_quantile_breakpoints():
    values = [1] * 6 + [2, 3, 5, 9]
    bps = rfm.quantile_breakpoints(values)
    scores = {v: rfm.score_higher_better(v, bps) for v in values}
    assert scores == {1: 1, 2: 4, 3: 4, 5: 5, 9: 5}


@pytest.mark.parametrize(("f", "m", "fm"), [(1, 1, 1), (1, 2, 2), (2, 3, 3), (4, 5, 5), (5, 5, 5)])
def test_fm_is_the_average_rounded_half_up(f, m, fm):
    assert rfm.fm_score(f, m) == fm


@pytest.mark.parametrize(
    ("r", "f", "m", "segment"),
    [
        (5, 5, 5, "champions"),
        (4, 4, 4, "champions"),
        (4, 3, 5, "champions"),  # FM = 4
        (5, 1, 1, "new"),
        (5, 1, 5, "new"),  # one big first order: new, not loyal
        (4, 3, 3, "loyal"),
        (3, 5, 5, "loyal"),  # R 3 is not champion
        (3, 1, 1, "potential"),
        (5, 2, 2, "potential"),
        (2, 5, 5, "at-risk"),
        (1, 3, 2, "at-risk"),  # FM = 3
        (2, 2, 2, "hibernating"),
        (2, 1, 1, "hibernating"),
        (1, 1, 1, "lost"),
        (1, 2, 2, "lost"),
    ],
)
def test_segment_table(r, f, m, segment):
    assert rfm.segment_for(r, f, m, rfm.DEFAULT_SEGMENTS) == segment


def test_default_table_covers_every_score_combination():
    assert rfm.validate_segments(rfm.DEFAULT_SEGMENTS) == []
    seen = {
        rfm.segment_for(r, f, m, rfm.DEFAULT_SEGMENTS)
        for r in range(1, 6)
        for f in range(1, 6)
        for m in range(1, 6)
    }
    assert seen == set(rfm.RfmSegment.values)


def test_table_problems_are_named():
    gaps = rfm.validate_segments([{"segment": "champions", "r": (4, 5)}])
    assert gaps and "have no segment" in gaps[0]
    assert "must be one of" in rfm.validate_segments([{"segment": "vip"}])[0]
    assert "(low, high)" in rfm.validate_segments([{"segment": "lost", "r": (5, 1)}])[0]
    assert rfm.validate_thresholds({"recency": (3, 2, 1, 0)})


def test_the_check_is_documented():
    from pathlib import Path

    documented = (Path(__file__).parents[2] / "docs" / "checks.md").read_text()
    assert "`ecrm.E201`" in documented


def test_rfm_settings_are_checked():
    assert checks.check_rfm_settings(None) == []
    with override_settings(
        ECRM_RFM_SEGMENTS=[{"segment": "lost", "r": (1, 1)}],
        ECRM_RFM_SCORING="median",
        ECRM_RFM_THRESHOLDS={"recency": (1, 2)},
        ECRM_CLV_HORIZON_DAYS=0,
    ):
        messages = checks.check_rfm_settings(None)
        assert {m.id for m in messages} == {"ecrm.E201"}
        text = " ".join(m.msg for m in messages)
        for expected in ("ECRM_RFM_SEGMENTS", "ECRM_RFM_SCORING", "'recency'", "HORIZON"):
            assert expected in text
        with pytest.raises(SystemCheckError):
            call_command("check")
