"""The Vietnamese words a transcript prints for codes: levels, outcomes, periods, qualities and competences."""

from __future__ import annotations

from transcript.domain.transcript import YearPage

LEVEL_TITLES = {"tieu_hoc": "Tiểu học", "thcs": "Trung học cơ sở", "thpt": "Trung học phổ thông"}
SEX = {"nam": "Nam", "nu": "Nữ"}
RELATIONS = {"cha": "Cha", "me": "Mẹ", "nguoi_giam_ho": "Người giám hộ"}
FORMS = {
    "tt22": "Thông tư 22/2021/TT-BGDĐT",
    "tt27": "Thông tư 27/2020/TT-BGDĐT",
    "tt58": "Thông tư 58/2011/TT-BGDĐT (sửa đổi bởi Thông tư 26/2020/TT-BGDĐT)",
}
OUTCOMES = {
    "len_lop": "Được lên lớp",
    "o_lai_lop": "Ở lại lớp",
    "kiem_tra_lai": "Kiểm tra lại",
    "ren_luyen_he": "Rèn luyện trong kì nghỉ hè",
}
EDUCATION_RESULTS = {
    "hoan_thanh_xuat_sac": "Hoàn thành xuất sắc",
    "hoan_thanh_tot": "Hoàn thành tốt",
    "hoan_thanh": "Hoàn thành",
    "chua_hoan_thanh": "Chưa hoàn thành",
}
QUALITIES = {
    "yeu_nuoc": "Yêu nước",
    "nhan_ai": "Nhân ái",
    "cham_chi": "Chăm chỉ",
    "trung_thuc": "Trung thực",
    "trach_nhiem": "Trách nhiệm",
}
COMPETENCES = {
    "tu_chu_tu_hoc": "Tự chủ và tự học",
    "giao_tiep_hop_tac": "Giao tiếp và hợp tác",
    "giai_quyet_van_de_sang_tao": "Giải quyết vấn đề và sáng tạo",
    "ngon_ngu": "Ngôn ngữ",
    "tinh_toan": "Tính toán",
    "khoa_hoc": "Khoa học",
    "cong_nghe": "Công nghệ",
    "tin_hoc": "Tin học",
    "tham_mi": "Thẩm mĩ",
    "the_chat": "Thể chất",
}


def outcome_label(page: YearPage) -> str | None:
    """The year's outcome as printed; promotion after a retest says so (the form distinguishes the two)."""
    if page.outcome is None:
        return None
    if page.outcome == "len_lop" and any(s.retest is not None for s in page.subjects):
        return "Được lên lớp sau kiểm tra lại"
    return OUTCOMES.get(page.outcome, page.outcome)


def learning_heading(page: YearPage) -> tuple[str, str]:
    """Row labels of the summary table: TT22's results, or the older học lực and hạnh kiểm."""
    if page.form == "tt58":
        return "Học lực", "Hạnh kiểm"
    return "Kết quả học tập", "Kết quả rèn luyện"
