"""综合查询: fuzzy holder names of one, two and three characters (the gram index on PostgreSQL), exact card
and ID numbers, scoping, and counts that stop at the limit."""

import pytest

from eport.cards import selectors
from eport.cards.models import Card
from eport.pagination import paginate
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards():
    ra = f.ra_officer()
    e = f.enterprise_in_network()
    names = ["张三丰", "王小明", "欧阳明日", "张明", "John Smith", "李四"]
    made = {}
    for n in names:
        op = f.operator(e, name=n)
        made[n] = f.make_card("operator", e, ra=ra, operator_no=op.operator_no).card
    other = f.enterprise_in_network()
    made["other"] = f.make_card(
        "operator", other, ra=ra, operator_no=f.operator(other, name="张三丰").operator_no
    ).card
    legal = Card.objects.get(pk=f.make_card("legal", e, ra=ra).card.pk)
    return ra, legal.user, made


def names(qs):
    return sorted(c.holder_name for c in qs)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("张", ["张三", "张三丰", "张明"]),  # one character: the surname (张三 holds the legal card)
        ("明", ["张明", "欧阳明日", "王小明"]),  # anywhere in the name
        ("三丰", ["张三丰"]),  # two characters
        ("阳明日", ["欧阳明日"]),  # three: all its two-character grams, then LIKE
        ("明日", ["欧阳明日"]),
        ("小明日", []),  # every gram occurs, the substring does not
        ("smith", ["John Smith"]),  # case-insensitive
        ("N SM", ["John Smith"]),
    ],
)
def test_fuzzy_holder_name(cards, query, expected):
    _ra, legal, _made = cards
    assert names(selectors.cards_query(legal, holder_name=query)) == sorted(expected)


def test_the_ra_finds_across_its_sub_centre_and_the_legal_card_only_its_own(cards):
    ra, legal, made = cards
    assert names(selectors.cards_query(ra, holder_name="张三")) == ["张三", "张三丰", "张三丰"]
    assert names(selectors.cards_query(legal, holder_name="张三")) == ["张三", "张三丰"]
    assert not selectors.cards_query(legal, card_no=made["other"].card_no).exists()
    assert not selectors.cards_query(f.ra_officer("ra:0100"), holder_name="张").exists()


def test_counts_stop_at_the_limit(cards, monkeypatch):
    ra, _legal, _made = cards
    qs = selectors.cards_query(ra)
    items, total = paginate(qs, 1, 2, count_limit=3)
    assert len(items) == 2 and total == 4  # "more than 3"
    items, total = paginate(qs, 1, 2, count_limit=100)
    assert total == qs.count()


@pytest.mark.parametrize(
    "query, expected",
    [
        (
            "张",
            ["张三", "张三丰", "张三丰", "张明"],
        ),  # the other enterprise's 张三丰 too: the same sub-centre
        ("明", ["张明", "欧阳明日", "王小明"]),
        ("三丰", ["张三丰", "张三丰"]),
        ("阳明日", ["欧阳明日"]),
        ("小明日", []),
        ("s", ["John Smith"]),  # one Latin letter, case-insensitive
    ],
)
@pytest.mark.parametrize("unit", ["ra:5300", "ra:0000"])  # a sub-centre; the national centre (every card)
def test_the_ra_search_by_name_through_the_grams(cards, query, expected, unit):
    """On PostgreSQL a one- or two-character name is read from the gram table (CardNameGram, kept by
    triggers); the answer is the same as the LIKE's, also paged and with the count capped."""
    officer = f.ra_officer(unit)
    assert names(selectors.cards_query(officer, holder_name=query)) == sorted(expected)
    items, total, capped = selectors.cards_page(officer, holder_name=query, page_size=2)
    assert total == len(expected) and not capped
    assert [c.pk for c in items] == sorted(
        (c.pk for c in selectors.cards_query(officer, holder_name=query)), reverse=True
    )[:2]


def test_the_grams_follow_a_renamed_holder_and_other_filters_still_apply(cards):
    ra, _legal, made = cards
    Card.objects.filter(pk=made["李四"].pk).update(holder_name="赵六")  # an approved operator change
    assert names(selectors.cards_query(ra, holder_name="李")) == []
    assert names(selectors.cards_query(ra, holder_name="赵")) == ["赵六"]
    card = Card.objects.get(pk=made["张明"].pk)
    card.holder_name = "孙明"
    card.save()
    assert names(selectors.cards_query(ra, holder_name="张")) == ["张三", "张三丰", "张三丰"]
    # With another filter the name does not drive the list: the same answer.
    Card.objects.filter(pk=made["张三丰"].pk).update(state="frozen")
    items, total, _ = selectors.cards_page(ra, holder_name="张", state="frozen")
    assert [c.pk for c in items] == [made["张三丰"].pk] and total == 1


def test_a_page_past_the_capped_count_still_finds_its_cards(cards, monkeypatch):
    ra, _legal, _made = cards
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 1)
    every = sorted((c.pk for c in selectors.cards_query(ra, holder_name="张")), reverse=True)
    items, total, capped = selectors.cards_page(ra, holder_name="张", page=3, page_size=1)
    assert [c.pk for c in items] == every[2:3] and capped
