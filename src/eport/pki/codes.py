"""What the PKI answers (the CA not ready).

A code is the API contract: clients branch on it, so each keeps one meaning (the message beside it at
the raise site is for people and may change)."""

from enum import StrEnum


class Code(StrEnum):
    CA_INCOMPLETE = "ca_incomplete"  # CA 文件不完整：%(f)s 已存在而其他文件缺失，请检查数据目录。
    CA_KEY_MISMATCH = "ca_key_mismatch"  # 签发 CA 的私钥与证书不匹配。
    CA_NOT_INITIALISED = "ca_not_initialised"  # 系统 CA 尚未初始化，请先运行 eport pki init。
    CA_PASSPHRASE_MISSING = (
        "ca_passphrase_missing"  # 找不到 CA 私钥的口令：请设置 EPORT_CA_PASSPHRASE 或恢复 %(f)s。
    )
    CA_PASSPHRASE_WRONG = "ca_passphrase_wrong"  # CA 私钥口令不正确，无法加载签发 CA。
