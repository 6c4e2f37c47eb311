"""The pseudonymiser's tokens are HMAC-SHA256 as the standard library computes it: tokens
already in a warehouse keep joining after any change to how they are computed."""

from __future__ import annotations

import hmac

import pytest

from dti_pipeline.load.pseudonymise import TOKEN_PREFIX, Pseudonymiser
from dti_pipeline.pages import MalformedRow


def _reference_token(key: bytes, field: str, canonical: str) -> str:
    digest = hmac.new(key, f"{field}\x1f{canonical}".encode(), "sha256").hexdigest()
    return TOKEN_PREFIX + digest[:32]


@pytest.mark.parametrize(
    "key",
    [b"k" * 16, b"k" * 64, b"a key longer than SHA-256's block of sixty-four bytes, hashed first"],
    ids=["short", "one-block", "longer-than-a-block"],
)
@pytest.mark.parametrize(
    ("field", "value", "canonical"),
    [
        ("ho_ten", "  Nguyễn   Văn AN ", "nguyễn văn an"),
        ("so_dien_thoai", "+84 912 345 678", "0912345678"),
        ("so_cccd", "001080012345", "001080012345"),
        ("ngay_sinh", "01/02/1980", "01/02/1980"),
    ],
)
def test_a_token_is_the_standard_hmac_of_the_canonical_value(key, field, value, canonical):
    assert Pseudonymiser(key).token(field, value) == _reference_token(key, field, canonical)


def test_apply_protects_only_the_personal_fields_and_leaves_the_record_alone():
    pseudonymiser = Pseudonymiser(b"k" * 16)
    record = {"ma_dang_vien": "DV1", "ho_ten": "Lò Thị Mai", "so_dien_thoai": "", "chi_bo": "CB1"}
    protected = pseudonymiser.apply(record, ("ho_ten", "so_dien_thoai", "ngay_sinh"))
    assert protected == {
        "ma_dang_vien": "DV1",
        "ho_ten": pseudonymiser.token("ho_ten", "Lò Thị Mai"),
        "so_dien_thoai": "",
        "chi_bo": "CB1",
    }
    assert "ngay_sinh" not in protected
    assert record["ho_ten"] == "Lò Thị Mai", "the input record must not be changed"


def test_a_malformed_row_keeps_only_its_key_in_plain_text():
    pseudonymiser = Pseudonymiser(b"k" * 16)
    row = MalformedRow({"ma_dang_vien": "DV1", "ho_ten;so_cccd": "Lò Thị Mai;0123"}, "wrong column count")
    protected = pseudonymiser.apply(row, ("ho_ten", "so_cccd"), keep=("ma_dang_vien",))
    assert protected["ma_dang_vien"] == "DV1"
    assert protected["ho_ten;so_cccd"].startswith(TOKEN_PREFIX)


def test_remembered_tokens_are_the_tokens_of_their_own_field_and_value():
    key = b"k" * 16
    pseudonymiser = Pseudonymiser(key)
    values = ["01/02/1980", "0912345678", "01/02/1980", "Lò Thị Mai", "0912345678"]
    for _ in range(2):  # the second round is answered from the memo
        for field in ("ngay_sinh", "so_dien_thoai"):
            for value in values:
                canonical = "lò thị mai" if value == "Lò Thị Mai" else value
                assert pseudonymiser.token(field, value) == _reference_token(key, field, canonical)


def test_a_number_gets_the_token_of_its_digits():
    pseudonymiser = Pseudonymiser(b"k" * 16)
    assert pseudonymiser.token("so_cccd", 1080012345) == pseudonymiser.token("so_cccd", "1080012345")
    assert pseudonymiser.token("so_cccd", 84912345678) == pseudonymiser.token("so_cccd", "0912345678")
