"""Enumerations of the 三证合一 record (API.md names, Chinese labels from the manuals)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from eport.applications.models import DocType


class LegalPersonType(models.TextChoices):
    ENTERPRISE = "enterprise", pgettext_lazy("legal person type", "企业法人")
    INSTITUTION = "institution", _("事业单位")
    SPECIAL = "special", _("特殊单位")
    OTHER = "other", _("其他")


class EnterpriseType(models.TextChoices):
    STATE_OWNED = "1", _("1 国有企业")
    COOPERATIVE_JV = "2", _("2 中外合作企业")
    EQUITY_JV = "3", _("3 中外合资企业")
    FOREIGN_OWNED = "4", _("4 外商独资企业")
    COLLECTIVE = "5", _("5 集体企业")
    PRIVATE = "6", _("6 私营企业")
    INDIVIDUAL = "7", _("7 个体工商户")
    CUSTOMS_BROKER = "8", _("8 报关企业")
    OTHER = "9", _("9 其他企业")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan_permit", _("台湾居民来往大陆通行证")
    FOREIGN_PR = "foreign_permanent_residence", _("外国人永久居留身份证")


class CapitalUnit(models.TextChoices):
    YUAN = "yuan", _("元")
    WAN_YUAN = "wan_yuan", _("万元")


class NetworkStatus(models.TextChoices):
    NOT_IN_NETWORK = "not_in_network", _("未入网")
    IN_NETWORK = "in_network", _("已入网")


# The 三证合一 fields holding each joint-review department's unit code.
UNIT_FIELDS = {"aic_unit": "aic", "tax_unit": "tax", "quality_unit": "quality"}

# Which joint-review departments a 法人类型 needs (SPEC §2): 事业单位 skips 工商/税务, 特殊单位 all three.
JOINT_REVIEW_DEPTS = {
    LegalPersonType.ENTERPRISE: ("aic", "tax", "quality"),
    LegalPersonType.OTHER: ("aic", "tax", "quality"),
    LegalPersonType.INSTITUTION: ("quality",),
    LegalPersonType.SPECIAL: (),
}


# The documents (随附单据) an entry must carry at 申报, by 法人类型. Seed 002 names the enterprise's proofs: 企业营业执照,
# 中华人民共和国海关报关单位登记证, 对外贸易经营者备案, 法人身份证件, 操作员身份证件. Required here is what the entry's
# reviewers check: the licence for a 法人 registered with 工商 (the 工商 review; 事业单位 and 特殊单位 have none, seed 002:
# their 工商/税务 codes are greyed out), and the legal representative's ID for every type (the legal card is made for
# that person). The customs registration and the foreign-trade filing come with the filings after entry (企业备案),
# and operators are declared, with their IDs, on their own: accepted, not required.
REQUIRED_DOCUMENTS = {
    LegalPersonType.ENTERPRISE: (DocType.BUSINESS_LICENSE, DocType.LEGAL_REP_ID),
    LegalPersonType.OTHER: (DocType.BUSINESS_LICENSE, DocType.LEGAL_REP_ID),
    LegalPersonType.INSTITUTION: (DocType.LEGAL_REP_ID,),
    LegalPersonType.SPECIAL: (DocType.LEGAL_REP_ID,),
}
