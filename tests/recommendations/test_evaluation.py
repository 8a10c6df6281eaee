"""The offline evaluation protocol, on hand-made data and on the real Online Retail data."""

import gzip
import json
import math
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ecrm_oscar.recommendations import evaluation
from ecrm_oscar.recommendations.algorithms import Interactions, Popularity, top_k

COLUMNS = evaluation.PurchaseColumns(user="user", item="item", timestamp="time")
FULL_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "online_retail.csv.gz"


def write_csv(tmp_path, text, name="purchases.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HAND_MADE = """user,item,time,qty
u1,a,2024-01-01 10:00:05,1
u1,b,2024-01-01 10:00:40,1
u1,c,2024-02-01 09:00:00,1
u1,a,2024-02-01 09:00:00,2
u2,a,2024-01-03 10:00:00,1
u2,d,2024-03-03 10:00:00,1
u3,b,2024-01-05 10:00:00,1
u3,b,2024-01-06 10:00:00,0
,a,2024-01-07 10:00:00,1
"""


def test_orders_are_user_and_minute_and_the_last_one_is_held_out(tmp_path):
    columns = evaluation.PurchaseColumns(user="user", item="item", timestamp="time", quantity="qty")
    orders, report = evaluation.read_orders(write_csv(tmp_path, HAND_MADE), columns)
    assert orders["u1"] == {"2024-01-01 10:00": {"a", "b"}, "2024-02-01 09:00": {"a", "c"}}
    assert report.skipped == {"quantity <= 0": 1, "no user (guest)": 1}
    split = evaluation.leave_last_out(orders)
    assert split.test == {"u1": {"a", "c"}, "u2": {"d"}}
    assert split.train["u3"] == {"2024-01-05 10:00": {"b"}}


def test_metrics_by_hand(tmp_path):
    orders, _ = evaluation.read_orders(write_csv(tmp_path, HAND_MADE), COLUMNS)
    split = evaluation.leave_last_out(orders)
    interactions = split.interactions()
    # training: u1 {a, b}, u2 {a}, u3 {b}: buyers a=2, b=2 -> a, b (tie by id); c, d unknown
    popularity = Popularity(interactions)
    assert [interactions.items[i] for i in popularity.recommend(0, 10)] == ["a", "b"]
    figures = evaluation.evaluate(popularity.recommend, split, interactions, k=10, mode="all")
    # u1 targets {a, c}: a at rank 1 -> recall 1/2, ndcg 1 / (1 + 1/log2 3)
    # u2 targets {d}: d is not in the training catalogue -> a miss that still counts
    # u3 targets {b}: b at rank 2 -> recall 1, ndcg (1/log2 3) / 1
    assert figures["users"] == 3
    assert figures["hit_rate@10"] == round(2 / 3, 4)
    assert figures["recall@10"] == 0.5
    discount = 1 / math.log2(3)
    assert figures["ndcg@10"] == round((1 / (1 + discount) + discount) / 3, 4)
    assert figures["coverage@10"] == 1.0
    new = evaluation.evaluate(popularity.recommend, split, interactions, k=10, mode="new")
    # u1: new target {c}, nothing left to list; u2: new target {d}, list [b]; u3: dropped
    assert new["users"] == 2 and new["hit_rate@10"] == 0.0


def test_order_column_groups_by_order_id_and_sorts_by_time(tmp_path):
    text = "u,i,t,o\nx,a,2024-05-01 10:00,B2\nx,b,2024-04-01 10:00,A9\nx,c,2024-04-01 10:05,A9\n"
    columns = evaluation.PurchaseColumns(user="u", item="i", timestamp="t", order="o")
    orders, _ = evaluation.read_orders(write_csv(tmp_path, text), columns)
    split = evaluation.leave_last_out(orders)
    assert split.test == {"x": {"a"}}
    assert list(split.train["x"].values()) == [{"b", "c"}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user,item\nu,a\n", "line 1: missing column(s) time"),
        (
            "user,item,time\nu,a,2024-01-01 10:00\nu,b,yesterday\n",
            "line 3: cannot read the timestamp",
        ),
        ("user,item,time\nu,a,2024-01-01 10:00\nu,b\n", "line 3: expected 3 fields"),
        ("user,item,time\nu,,2024-01-01 10:00\n", "line 2: empty item"),
    ],
)
def test_malformed_csv_names_the_line(tmp_path, text, message):
    with pytest.raises(
        evaluation.PurchaseDataError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        evaluation.read_orders(write_csv(tmp_path, text), COLUMNS)


def test_non_utf8_and_truncated_gzip(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("user,item,time\nu,caf\xe9,2024-01-01 10:00\n".encode("latin-1"))
    with pytest.raises(evaluation.PurchaseDataError, match="not UTF-8"):
        evaluation.read_orders(latin, COLUMNS)
    truncated = tmp_path / "cut.csv.gz"
    rows = "".join(f"u{n},item{n},2024-01-01 10:00\n" for n in range(2000))
    truncated.write_bytes(gzip.compress(f"user,item,time\n{rows}".encode())[:3000])
    with pytest.raises(evaluation.PurchaseDataError, match="cannot read the file"):
        evaluation.read_orders(truncated, COLUMNS)


def test_top_k_is_deterministic_and_handles_limits():
    import numpy as np

    scores = np.array([1.0, 3.0, 3.0, 2.0])
    assert top_k(scores, 3) == [1, 2, 3]
    assert top_k(scores, 0) == [] and top_k(scores, -5) == []
    assert top_k(scores, 10, exclude=np.array([1, 2])) == [3, 0]
    assert top_k(np.array([]), 3) == []


def test_command_errors_are_clear(tmp_path):
    path = write_csv(tmp_path, "user,item\nu,a\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command(
            "ecrm_evaluate_recommendations",
            str(path),
            "--user-column",
            "user",
            "--item-column",
            "item",
            "--timestamp-column",
            "time",
        )
    with pytest.raises(CommandError, match="-k must be"):
        call_command(
            "ecrm_evaluate_recommendations",
            str(path),
            "--user-column",
            "user",
            "--item-column",
            "item",
            "--timestamp-column",
            "time",
            "-k",
            "0",
        )
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "ecrm_evaluate_recommendations",
            str(tmp_path / "nope.csv"),
            "--user-column",
            "u",
            "--item-column",
            "i",
            "--timestamp-column",
            "t",
        )


def test_empty_interactions_do_not_fail():
    interactions = Interactions.from_orders({})
    assert Popularity(interactions).recommend(0, 10) == []


@pytest.mark.skipif(
    not FULL_DATA.is_file(), reason=f"the full Online Retail data is not at {FULL_DATA}"
)
def test_popularity_reproduces_the_data_readme_exactly():
    """The reference table in ../shared/data/README.md: popularity all 0.387/0.039/0.066,
    new 0.234/0.024/0.035, on 4,334 customers, 18,310 orders, 2,827 held-out customers."""
    out = StringIO()
    call_command(
        "ecrm_evaluate_recommendations",
        str(FULL_DATA),
        "--user-column",
        "CustomerID",
        "--item-column",
        "StockCode",
        "--timestamp-column",
        "InvoiceDate",
        "--quantity-column",
        "Quantity",
        "--price-column",
        "UnitPrice",
        "--exclude-items",
        "POST,M,C2,D,DOT,CRUK,BANK CHARGES,PADS",
        "--strategy",
        "popularity",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["data"]["users"] == 4334
    assert result["data"]["orders"] == 18310
    assert result["data"]["purchases"] == 396337
    assert result["data"]["held_out_users"] == 2827
    figures = result["results"]["popularity"]
    rounded = {
        mode: [round(figures[mode][m], 3) for m in ("hit_rate@10", "recall@10", "ndcg@10")]
        for mode in ("all", "new")
    }
    assert rounded == {"all": [0.387, 0.039, 0.066], "new": [0.234, 0.024, 0.035]}
    assert figures["new"]["users"] == 2496


def test_validation_split_never_sees_the_test_orders():
    orders = {
        "a": {"2024-01-01 10:00": {"x"}, "2024-01-02 10:00": {"y"}, "2024-01-03 10:00": {"z"}},
        "b": {"2024-01-01 10:00": {"x"}, "2024-01-09 10:00": {"w"}},
        "c": {"2024-01-04 10:00": {"y"}},
    }
    validation = evaluation.validation_split(orders)
    # a's last order (z) and b's (w) are the test targets: absent from both halves
    assert validation.test == {"a": {"y"}}
    assert validation.train == {
        "a": {"2024-01-01 10:00": {"x"}},
        "b": {"2024-01-01 10:00": {"x"}},
        "c": {"2024-01-04 10:00": {"y"}},
    }


def test_command_evaluates_the_validation_split(tmp_path):
    out = StringIO()
    call_command(
        "ecrm_evaluate_recommendations",
        str(write_csv(tmp_path, HAND_MADE)),
        "--user-column",
        "user",
        "--item-column",
        "item",
        "--timestamp-column",
        "time",
        "--split",
        "validation",
        "--strategy",
        "popularity",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["split"] == "validation"
    assert result["data"]["held_out_users"] == 0  # nobody here has 3 orders
