// Parents and students: each child's scores per subject for a semester, the semester results, and attendance.
// Laid out as one card per subject so it reads on a phone without sideways scrolling.
import { api, gb, grants } from "../api.js";
import { alertBox, field, fill, fmtDate, h, loading, problemBox, view } from "../ui.js";

export async function show() {
  const children = [...new Set([...grants("parent"), ...grants("student")].filter((g) => g.scope_type === "student").map((g) => g.scope_id))];
  const body = h("div", {});
  view("Kết quả học tập", body);
  if (!children.length) { body.append(alertBox("warn", "Tài khoản chưa gắn với học sinh nào.")); return; }
  for (const child of children) body.append(await childSection(child));
}

async function childSection(studentId, semester = 1) {
  const section = h("section", { class: "child" });
  const picker = h("select", {}, h("option", { value: "1", selected: semester === 1 }, "Học kì I"), h("option", { value: "2", selected: semester === 2 }, "Học kì II"));
  picker.addEventListener("change", async () => section.replaceWith(await childSection(studentId, Number(picker.value))));
  let scores, attendance;
  try {
    scores = await loading(api(gb(`/students/${studentId}/scores?semester=${semester}`)));
    attendance = await api(gb(`/classes/${scores.class_id}/students/${studentId}/attendance`)).catch(() => null);
  } catch (err) { section.append(problemBox(err)); return section; }
  const ordered = [...scores.subjects].sort((a, b) => a.subject_name.localeCompare(b.subject_name, "vi"));
  const subjects = ordered.map((s) => {
    const row = s.students[0];
    const cols = s.column_specs?.length ? s.column_specs.map((c) => c.code) : s.columns;
    const result = row?.average ?? row?.rating ?? [row?.level, row?.test_score].filter((v) => v != null).join(" / ");
    return h("li", { class: "card subject", "data-subject": s.subject_code },
      h("b", {}, s.subject_name),
      h("dl", { class: "scores" }, cols.map((c) => h("div", {}, h("dt", {}, c), h("dd", {}, row?.values?.[c] ?? "—")))),
      h("p", {}, s.assessment === "comment" ? "Kết quả học kì: " : "Điểm trung bình môn học kì: ", h("b", {}, result || "chưa đủ điểm")));
  });
  const t = attendance?.totals?.[`semester${semester}`];
  const recent = (attendance?.marks || []).filter((m) => m.semester === semester).slice(-5).reverse();
  fill(section,
    h("h2", {}, `${scores.full_name} — Lớp ${scores.class_name} — Năm học ${scores.school_year}`),
    ...field("Học kì", picker),
    h("h3", {}, "Chuyên cần"),
    t ? h("p", { id: "attendance-summary" }, `Nghỉ có phép: ${t.excused} buổi · Nghỉ không phép: ${t.unexcused} buổi · Đi muộn: ${t.late} lần.`) : h("p", { class: "muted" }, "Chưa có dữ liệu chuyên cần."),
    recent.length ? h("ul", {}, recent.map((m) => h("li", {}, `${new Date(m.date).toLocaleDateString("vi-VN")} (${m.session === "sang" ? "sáng" : "chiều"}): ${m.status_label}${m.note ? ` — ${m.note}` : ""}`))) : null,
    h("h3", {}, "Điểm các môn"),
    h("ul", { class: "list subjects", id: `scores-${studentId}` }, subjects),
    h("p", { class: "muted" }, `Cập nhật lúc ${fmtDate(new Date().toISOString())}. Điểm trung bình chỉ có khi đủ các đầu điểm của học kì.`));
  return section;
}
