// "Lớp và môn của tôi": the sheets a teacher may enter (subject-teacher grants) with their entry progress, and
// the classes they lead. A teacher may not read other classes in identity, so names come from the sheets.
import { api, gb, grants, id } from "../api.js";
import { alertBox, h, loading, view } from "../ui.js";

export async function show() {
  const teaching = grants("subject_teacher").filter((g) => g.scope_type === "class_subject")
    .map((g) => { const [classId, subject] = g.scope_id.split(":"); return { classId, subject }; });
  const homeroom = grants("homeroom_teacher").map((g) => g.scope_id);
  view("Lớp và môn của tôi", h("p", { class: "muted" }, "Đang tải danh sách lớp…"));
  const [sheets, led] = await loading(Promise.all([
    Promise.all(teaching.map((t) => api(gb(`/classes/${t.classId}/subjects/${t.subject}/semesters/1/scores`)).catch(() => null))),
    Promise.all(homeroom.map((cid) => api(id(`/classes/${cid}`)).catch(() => null))),
  ]));
  const items = teaching.map((t, i) => ({ ...t, sheet: sheets[i] })).filter((t) => t.sheet);
  items.sort((a, b) => a.sheet.class_name.localeCompare(b.sheet.class_name, "vi") || a.sheet.subject_name.localeCompare(b.sheet.subject_name, "vi"));
  const progress = (sheet) => {
    const cells = sheet.students.length * sheet.columns.length;
    const filled = sheet.students.reduce((n, s) => n + Object.values(s.values).filter((v) => v !== null).length, 0);
    return `${filled}/${cells} đầu điểm`;
  };
  view("Lớp và môn của tôi",
    led.some(Boolean) ? h("section", {}, h("h2", {}, "Lớp chủ nhiệm"), h("ul", { class: "list" }, led.filter(Boolean).map((c) =>
      h("li", {}, h("a", { href: `#/chu-nhiem/${c.id}` }, h("b", {}, `Lớp ${c.name}`),
        h("span", { class: "muted" }, `${c.student_count} học sinh · kết quả, điểm danh, rèn luyện`)))))) : null,
    h("section", {}, h("h2", {}, "Sổ điểm các môn"),
      items.length ? h("ul", { class: "list", id: "my-sheets" }, items.map(({ classId, subject, sheet }) => h("li", {},
        h("a", { href: `#/so-diem/${classId}/${subject}/1` },
          h("b", {}, `${sheet.subject_name} — ${sheet.class_name}`),
          h("span", { class: "muted" }, `Học kì I · ${progress(sheet)}`)),
        h("a", { href: `#/so-diem/${classId}/${subject}/2`, "aria-label": `${sheet.subject_name} ${sheet.class_name} học kì II` }, "Học kì II"))))
        : alertBox("warn", "Bạn chưa được phân công giảng dạy môn nào.")));
}
