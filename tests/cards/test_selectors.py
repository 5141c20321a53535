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
    made["other"] = f.make_card("operator", other, ra=ra,
                                operator_no=f.operator(other, name="张三丰").operator_no).card
    legal = Card.objects.get(pk=f.make_card("legal", e, ra=ra).card.pk)
    return ra, legal.user, made


def names(qs):
    return sorted(c.holder_name for c in qs)


@pytest.mark.parametrize("query, expected", [
    ("张", ["张三", "张三丰", "张明"]),         # one character: the surname (张三 holds the legal card)
    ("明", ["张明", "欧阳明日", "王小明"]),       # anywhere in the name
    ("三丰", ["张三丰"]),                        # two characters
    ("阳明日", ["欧阳明日"]),                    # three: all its two-character grams, then LIKE
    ("明日", ["欧阳明日"]),
    ("小明日", []),                              # every gram occurs, the substring does not
    ("smith", ["John Smith"]),                   # case-insensitive
    ("N SM", ["John Smith"]),
])
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
