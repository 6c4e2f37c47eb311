"""Vietnamese names of people, shops, products and procedures, drawn from a random stream."""

from __future__ import annotations

import random

FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Hà",
    "Lò",
    "Giàng",
    "Sùng",
    "Đinh",
    "Triệu",
    "Lục",
)
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Hữu", "Thanh", "Xuân", "A", "Seo")
GIVEN = (
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vân",
    "Việt",
    "Yến",
    "Páo",
    "Chứ",
    "Mỷ",
)
PRODUCTS = (
    "Chè Shan Tuyết",
    "Gạo nếp Tú Lệ",
    "Mật ong rừng",
    "Măng khô",
    "Thịt trâu gác bếp",
    "Quế Văn Yên",
    "Miến dong",
    "Mận hậu",
    "Chè Tân Cương",
    "Bưởi Phúc Trạch",
    "Cam Vinh",
    "Nhung hươu",
    "Mứt gừng",
    "Nấm hương",
    "Táo mèo",
    "Lạp xưởng",
    "Tỏi cô đơn",
    "Rượu ngô",
    "Hạt dổi",
    "Thổ cẩm",
)
UNITS = ("500g", "1kg", "hộp 200g", "túi 2kg", "chai 500ml", "bó")
FIELDS = (
    "Hộ tịch",
    "Đất đai",
    "Xây dựng",
    "Giáo dục",
    "Y tế",
    "Lao động",
    "Bảo trợ xã hội",
    "Kinh doanh",
    "Giao thông",
    "Tư pháp",
    "Nông nghiệp",
    "Tài nguyên nước",
)
ACTIONS = ("Cấp", "Đăng ký", "Cấp lại", "Điều chỉnh", "Gia hạn", "Xác nhận", "Thẩm định", "Chứng thực")
OBJECTS = (
    "giấy phép",
    "khai sinh",
    "kết hôn",
    "hộ kinh doanh",
    "giấy chứng nhận",
    "trợ cấp",
    "bản sao",
    "phương án",
    "hồ sơ",
)


def person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def product(rng: random.Random) -> str:
    return f"{rng.choice(PRODUCTS)} {rng.choice(UNITS)}"


def shop(rng: random.Random, place: str) -> str:
    return f"{rng.choice(('Đặc sản', 'Nông sản', 'HTX', 'Cửa hàng'))} {place} {rng.choice(GIVEN)}"


def procedure(rng: random.Random, field: str) -> str:
    return f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)} ({field.lower()})"
