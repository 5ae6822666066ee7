"""Demo school structure and people for THCS Hòa Lạc: the 2025-2026 year, the default subject catalogue, four
classes (6A1, 7A1, 8A1, 9A1) with their subjects, ten staff, about thirty students per class with guardians and
consent, and the teaching and homeroom assignments.

Generated deterministically (fixed seeds, ids derived with `demo_id`), in a few batched commands, through
identity's own handlers so that every other service learns it through events. Seeding twice changes nothing.
Names, birth dates, identifiers and phone numbers are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from edurecords.demo import SEED_ACTOR, demo_id
from identity.bootstrap import IdentityService
from identity.domain.names import PersonName, split_full_name
from identity.domain.people import ConsentGiver, ConsentPurpose, Relation, Sex, StaffTitle, StudentProfile
from identity.domain.structure import Semester
from identity.service_layer import people, structure

SCHOOL = "thcshoalac"
# The brief's demo year. The clock may have moved past it: assignment grants are computed for a day, so a demo
# run after 2026-08 sees none "today"; change the year and dates here if the demo must show live teacher grants.


def _current_school_year_start(today: date) -> int:
    """A Vietnamese school year starts in early September; before August we are still in last year's."""
    return today.year if today.month >= 8 else today.year - 1


# The demo always shows the school year in progress, so demo teachers' assignment grants are valid today.
_START = _current_school_year_start(date.today())
YEAR = f"{_START}-{_START + 1}"
YEAR_STARTS, YEAR_ENDS = date(_START, 9, 5), date(_START + 1, 5, 31)
SEMESTERS = (
    Semester(1, date(_START, 9, 5), date(_START + 1, 1, 17)),
    Semester(2, date(_START + 1, 1, 19), date(_START + 1, 5, 31)),
)
CLASSES = ("6A1", "7A1", "8A1", "9A1")
STUDENTS_PER_CLASS = 30


@dataclass(frozen=True)
class DemoStaff:
    key: str  # the demo account key (edurecords.demo.DEMO_ACCOUNTS) where there is one
    name: str
    title: StaffTitle
    group: str
    sex: Sex
    teaches: dict[str, tuple[str, ...]]  # subject code → classes
    homeroom: str | None = None


_ALL = CLASSES
KHTN, KHXH, NN, NK, BGH, VP = (
    "Tổ Khoa học tự nhiên",
    "Tổ Khoa học xã hội",
    "Tổ Ngoại ngữ",
    "Tổ Năng khiếu",
    "Ban giám hiệu",
    "Tổ Văn phòng",
)
STAFF = (
    DemoStaff("thcshoalac-principal", "Trần Thị Bình", StaffTitle.PRINCIPAL, BGH, Sex.FEMALE, {}),
    DemoStaff("thcshoalac-vice-principal", "Phạm Văn Hùng", StaffTitle.VICE_PRINCIPAL, BGH, Sex.MALE, {"gddp": _ALL}),
    DemoStaff("thcshoalac-teacher-1", "Nguyễn Văn An", StaffTitle.TEACHER, KHTN, Sex.MALE, {"toan": _ALL}, "7A1"),
    DemoStaff(
        "thcshoalac-teacher-2",
        "Ngô Văn An",
        StaffTitle.TEACHER,
        KHTN,
        Sex.MALE,
        {"khtn": _ALL, "cong_nghe": _ALL},
        "9A1",
    ),
    DemoStaff(
        "thcshoalac-teacher-3",
        "Lê Thị Hương",
        StaffTitle.TEACHER,
        KHXH,
        Sex.FEMALE,
        {"ngu_van": ("6A1", "7A1"), "gdcd": _ALL},
        "6A1",
    ),
    DemoStaff(
        "thcshoalac-teacher-4",
        "Vũ Thị Thu Trang",
        StaffTitle.TEACHER,
        KHXH,
        Sex.FEMALE,
        {"ngu_van": ("8A1", "9A1"), "lich_su_dia_li": _ALL},
    ),
    DemoStaff(
        "thcshoalac-teacher-5", "Hoàng Thị Lan", StaffTitle.TEACHER, NN, Sex.FEMALE, {"ngoai_ngu_1": _ALL}, "8A1"
    ),
    DemoStaff(
        "thcshoalac-teacher-6", "Bùi Đức Mạnh", StaffTitle.TEACHER, KHTN, Sex.MALE, {"tin_hoc": _ALL, "gdtc": _ALL}
    ),
    DemoStaff(
        "thcshoalac-teacher-7",
        "Đặng Thị Ngọc Ánh",
        StaffTitle.TEACHER,
        NK,
        Sex.FEMALE,
        {"am_nhac": _ALL, "mi_thuat": _ALL},
    ),
    DemoStaff("thcshoalac-office", "Đinh Thị Hạnh", StaffTitle.OFFICE, VP, Sex.FEMALE, {}),
)

# Name lists: family names weighted roughly as in the north of Vietnam (Khuất and Kiều are local to Hòa Lạc).
FAMILY = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 3 + ["Phạm"] * 2 + [
    "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đào", "Khuất",
    "Kiều", "Cao", "Lương", "Tạ",
]  # fmt: skip
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Gia", "Anh", "Xuân", "Tuấn", "Hoàng", "Bảo", "Duy"]
MIDDLE_FEMALE = ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Phương", "Minh", "Khánh", "Bảo", "Hà", "Thùy", "Diệu"]
GIVEN_MALE = [
    "An", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Khoa", "Long", "Minh",
    "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Trung", "Tú", "Tuấn", "Việt", "Vinh",
]  # fmt: skip
GIVEN_FEMALE = [
    "An", "Anh", "Ánh", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương", "Huyền",
    "Lan", "Linh", "Ly", "Mai", "My", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thủy", "Trang",
    "Uyên", "Vân", "Yến",
]  # fmt: skip
VILLAGES = ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn Đồng Bụt", "Thôn Bắc Hòa", "Thôn Vân Lôi", "Xóm Mới"]
COMMUNES = ["xã Hòa Lạc", "xã Thạch Hòa", "xã Tiến Xuân", "xã Yên Bình"]
FATHER_JOBS = ["Nông dân", "Công nhân", "Kỹ sư", "Lái xe", "Buôn bán", "Bộ đội", "Thợ xây", "Cán bộ xã"]
MOTHER_JOBS = ["Nông dân", "Công nhân", "Giáo viên", "Buôn bán", "Nội trợ", "Y tá", "Kế toán", "Thợ may"]
PROVINCE_CODE = "001"  # first three digits of the invented citizen numbers


@dataclass(frozen=True)
class _DemoStudent:
    id: str
    profile: StudentProfile
    class_name: str
    father: PersonName
    father_job: str
    mother: PersonName
    mother_job: str
    mother_phone: str


def _person(rng: random.Random, *, sex: Sex, family: str | None = None) -> PersonName:
    middle = rng.choice(MIDDLE_MALE if sex == Sex.MALE else MIDDLE_FEMALE)
    given = rng.choice(GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE)
    return PersonName(family=family or rng.choice(FAMILY), middle=middle, given=given)


def _national_id(rng: random.Random, *, born: date, sex: Sex) -> str:
    code = (born.year // 100 - 19) * 2 + (1 if sex == Sex.FEMALE else 0)
    return f"{PROVINCE_CODE}{code}{born.year % 100:02d}{rng.randrange(10**6):06d}"


def demo_students() -> list[_DemoStudent]:
    """Thirty students per class, the same every time (a seeded generator per class)."""
    out: list[_DemoStudent] = []
    for class_name in CLASSES:
        grade = int(class_name[0])
        rng = random.Random(f"{SCHOOL}/{YEAR}/{class_name}")
        seen: set[str] = set()
        while sum(1 for s in out if s.class_name == class_name) < STUDENTS_PER_CLASS:
            n = len(seen)
            sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
            name = _person(rng, sex=sex)
            if class_name == "6A1" and n == 0:  # the demo student account (edurecords.demo)
                sex, name = Sex.FEMALE, split_full_name("Lê Minh Châu")
            if name.full in seen:
                continue
            seen.add(name.full)
            born = date(YEAR_STARTS.year - grade - 5, 1, 1) + timedelta(days=rng.randrange(365))
            commune = rng.choice(COMMUNES)
            father = _person(rng, sex=Sex.MALE, family=name.family)
            if class_name == "6A1" and n == 0:
                father = split_full_name("Lê Văn Dũng")  # the demo guardian account, phone 0912345678
            out.append(
                _DemoStudent(
                    id=demo_id(f"{SCHOOL}/student/{class_name}/{n}"),
                    class_name=class_name,
                    profile=StudentProfile(
                        name=name,
                        date_of_birth=born,
                        sex=sex,
                        place_of_birth=f"{commune.capitalize()}, tỉnh Sông Hồng",
                        ethnicity="Mường" if rng.random() < 0.1 else "Kinh",
                        address=f"{rng.choice(VILLAGES)}, {commune}, tỉnh Sông Hồng",
                        national_id=_national_id(rng, born=born, sex=sex),
                        moet_student_id=f"0125{grade:02d}{len(out):04d}",
                    ),
                    father=father,
                    father_job=rng.choice(FATHER_JOBS),
                    mother=_person(rng, sex=Sex.FEMALE),
                    mother_job=rng.choice(MOTHER_JOBS),
                    mother_phone=f"09{rng.randrange(10**8):08d}",
                )
            )
    return out


async def seed_demo_structure(service: IdentityService) -> bool:
    """Create the demo school's year, classes, staff, students and assignments unless present; True if created."""
    school_id = demo_id(SCHOOL)
    async with service.uow() as uow:
        if await uow.org.get_school(school_id) is None:
            return False
        year = await uow.structure.school_year_by_code(YEAR)
        if year is not None and await uow.structure.list_classes(school_id=school_id, school_year_id=year.id):
            return False
    if year is None:
        year = await structure.open_school_year(
            structure.OpenSchoolYear(
                code=YEAR,
                starts_on=YEAR_STARTS,
                ends_on=YEAR_ENDS,
                semesters=SEMESTERS,
                actor=SEED_ACTOR,
                school_year_id=demo_id(f"school-year/{YEAR}"),
            ),
            service.uow(),
        )
    await structure.seed_default_catalogue(service.uow(), actor=SEED_ACTOR)

    staff_ids = {s.key: demo_id(f"staff:{s.key}") for s in STAFF}
    await people.register_staff(
        people.RegisterStaff(
            school_id=school_id,
            members=tuple(
                people.StaffInput(
                    name=split_full_name(s.name),
                    title=s.title,
                    subject_group=s.group,
                    sex=s.sex,
                    email=f"{s.key}@demo.edurecords.vn",
                    staff_id=staff_ids[s.key],
                )
                for s in STAFF
            ),
            actor=SEED_ACTOR,
        ),
        service.uow(),
    )
    class_ids = {name: demo_id(f"{SCHOOL}/class/{YEAR}/{name}") for name in CLASSES}
    await structure.open_classes(
        structure.OpenClasses(
            school_id=school_id,
            school_year=YEAR,
            classes=tuple(
                structure.ClassSpec(grade=int(name[0]), name=name, class_id=class_ids[name]) for name in CLASSES
            ),
            actor=SEED_ACTOR,
        ),
        service.uow(),
    )

    students = demo_students()
    await people.register_students(
        people.RegisterStudents(
            school_id=school_id,
            students=tuple(
                people.StudentInput(profile=s.profile, class_id=class_ids[s.class_name], student_id=s.id)
                for s in students
            ),
            starts_on=YEAR_STARTS,
            actor=SEED_ACTOR,
        ),
        service.uow(),
    )
    links: list[tuple[str, people.GuardianInput]] = []
    for s in students:
        first = s.id == demo_id(f"{SCHOOL}/student/6A1/0")
        links.append(
            (
                s.id,
                people.GuardianInput(
                    relation=Relation.FATHER,
                    name=s.father,
                    occupation=s.father_job,
                    phone="0912345678" if first else None,
                    new_guardian_id=demo_id(f"{s.id}/father"),
                ),
            )
        )
        links.append(
            (
                s.id,
                people.GuardianInput(
                    relation=Relation.MOTHER,
                    name=s.mother,
                    occupation=s.mother_job,
                    phone=s.mother_phone,
                    new_guardian_id=demo_id(f"{s.id}/mother"),
                ),
            )
        )
    await people.link_guardians(people.LinkGuardians(links=tuple(links), actor=SEED_ACTOR), service.uow())
    consents: list[people.ConsentInput] = []
    for s in students:
        mother = demo_id(f"{s.id}/mother")
        for purpose in (ConsentPurpose.EDUCATION_RECORDS, ConsentPurpose.PARENT_CONTACT):
            consents.append(
                people.ConsentInput(
                    student_id=s.id,
                    purpose=purpose,
                    given_by=ConsentGiver.GUARDIAN,
                    guardian_id=mother,
                    evidence="Phiếu đồng ý đầu năm học (bản giấy, văn phòng trường)",
                )
            )
        consents.append(
            people.ConsentInput(
                student_id=s.id, purpose=ConsentPurpose.EDUCATION_RECORDS, given_by=ConsentGiver.STUDENT
            )
        )
    await people.record_consents(people.RecordConsents(consents=tuple(consents), actor=SEED_ACTOR), service.uow())

    homerooms = {s.homeroom: s.key for s in STAFF if s.homeroom}
    teaching = [
        structure.TeachingSpec(class_id=class_ids[c], subject_code=code, staff_id=staff_ids[s.key])
        for s in STAFF
        for code, taught in s.teaches.items()
        for c in taught
    ]
    # The homeroom teacher leads the class's experiential activities (hoạt động trải nghiệm, hướng nghiệp).
    teaching += [
        structure.TeachingSpec(class_id=class_ids[c], subject_code="hdtn_hn", staff_id=staff_ids[key])
        for c, key in homerooms.items()
    ]
    await structure.assign_teaching(
        structure.AssignTeaching(assignments=tuple(teaching), actor=SEED_ACTOR), service.uow()
    )
    for class_name, key in homerooms.items():
        await structure.assign_homeroom(
            structure.AssignHomeroom(
                class_id=class_ids[class_name], staff_id=staff_ids[key], starts_on=YEAR_STARTS, actor=SEED_ACTOR
            ),
            service.uow(),
        )
    return True
