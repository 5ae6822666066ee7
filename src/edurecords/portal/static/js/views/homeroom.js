// The homeroom teacher's class: results per period with the reason for each level and submission for approval,
// today's roll call, and conduct (training) ratings.
import { ApiError, api, gb, id } from "../api.js";
import { alertBox, field, fill, fmtDate, h, loading, problemBox, say, todayIso, view } from "../ui.js";

const PERIODS = { hk1: "Học kì I", hk2: "Học kì II", year: "Cả năm" };
const STATUS = [["present", "Có mặt"], ["excused", "Vắng có phép (P)"], ["unexcused", "Vắng không phép (K)"], ["late", "Đi muộn (M)"]];
const TRAINING = ["", "Tốt", "Khá", "Đạt", "Chưa đạt"];
const APPROVAL = { submitted: "Đã gửi, chờ duyệt", approved: "Đã phê duyệt", returned: "Bị trả lại" };

export async function show(classId, tab) {
  const klass = await loading(api(id(`/classes/${classId}`)));
  const nav = h("div", { class: "tabs", role: "navigation", "aria-label": "Lớp chủ nhiệm" },
    [["ket-qua", "Kết quả học tập"], ["diem-danh", "Điểm danh hôm nay"], ["ren-luyen", "Rèn luyện"]].map(([t, label]) =>
      h("a", { href: `#/chu-nhiem/${classId}/${t}`, class: t === tab ? "button" : "button secondary", "aria-current": t === tab ? "page" : null }, label)));
  const body = h("div", {});
  view(`Lớp chủ nhiệm ${klass.name} — ${klass.school_year}`, nav, body);
  if (tab === "diem-danh") return attendance(classId, body);
  if (tab === "ren-luyen") return conduct(classId, body);
  return results(classId, body, "hk1");
}

async function results(classId, body, period) {
  const picker = h("select", { id: "period" }, Object.entries(PERIODS).map(([v, l]) => h("option", { value: v, selected: v === period }, l)));
  picker.addEventListener("change", () => results(classId, body, picker.value));
  fill(body, ...field("Kì", picker), h("p", { class: "muted" }, "Đang tính kết quả…"));
  let found;
  try { found = await loading(api(gb(`/classes/${classId}/results/${period}`))); } catch (err) {
    fill(body, ...field("Kì", picker), problemBox(err)); return;
  }
  const subjects = found.students[0]?.subjects || [];
  const col = period === "year" ? "year" : period;
  const approvals = found.approvals.map((a) => h("li", {}, `${PERIODS[a.period] || a.period}: ${APPROVAL[a.status]} (${fmtDate(a.decided_at || a.submitted_at)})${a.note ? ` — ${a.note}` : ""}`));
  const msg = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "button", disabled: !found.complete, onclick: async () => {
    if (!confirm(`Gửi kết quả ${PERIODS[period]} của lớp ${found.class_name} để Hiệu trưởng phê duyệt?`)) return;
    try {
      await api(gb(`/classes/${classId}/results/${period}/submit`), { method: "POST" });
      say("Đã gửi kết quả để phê duyệt.");
      await results(classId, body, period);
    } catch (err) { fill(msg, problemBox(err)); }
  } }, "Gửi duyệt kết quả");
  fill(body, ...field("Kì", picker),
    found.complete ? alertBox("ok", "Đủ dữ liệu để gửi duyệt.") : alertBox("warn",
      `Chưa đủ dữ liệu để gửi duyệt (${found.missing.length}${found.missing.length >= 200 ? "+" : ""} mục còn thiếu), ví dụ:`, found.missing.slice(0, 8)),
    approvals.length ? h("ul", {}, approvals) : null,
    h("div", { class: "row" }, submit), msg,
    !found.students.length ? h("p", { class: "muted" }, "Bảng kết quả từng học sinh hiện khi đã đủ điểm các môn.") :
    h("div", { class: "table-wrap" }, h("table", { id: "results" },
      h("thead", {}, h("tr", {}, h("th", {}, "STT"), h("th", {}, "Họ và tên"), subjects.map((s) => h("th", { class: "num", title: s.name }, s.name)),
        h("th", {}, "Học tập"), h("th", {}, "Rèn luyện"), h("th", { class: "num" }, "Vắng"), h("th", {}, "Giải thích"))),
      h("tbody", {}, found.students.map((st, i) => h("tr", {},
        h("td", { class: "num" }, i + 1), h("td", {}, st.full_name),
        st.subjects.map((s) => h("td", { class: "num" }, s[col] ?? "")),
        h("td", {}, st.learning[col] ?? ""), h("td", {}, st.training[col] ?? ""), h("td", { class: "num" }, st.absent_sessions),
        h("td", {}, Object.values(st.explanations || {}).join(" "))))))));
}

async function attendance(classId, body) {
  const date = h("input", { type: "date", value: todayIso() });
  const session = h("select", {}, h("option", { value: "sang" }, "Buổi sáng"), h("option", { value: "chieu" }, "Buổi chiều"));
  const semester = h("select", {}, h("option", { value: "1" }, "Học kì I"), h("option", { value: "2" }, "Học kì II"));
  const table = h("div", {});
  const msg = h("div", { "aria-live": "polite" });
  async function load() {
    const day = await loading(api(gb(`/classes/${classId}/attendance?date=${date.value}`)));
    const taken = day.rolls.filter((r) => r.session === session.value && r.period === null);
    fill(table, 
      taken.length ? alertBox("ok", `Đã điểm danh ${session.value === "sang" ? "buổi sáng" : "buổi chiều"} (${taken.map((r) => `${r.taken_by_name}, ${fmtDate(r.taken_at)}`).join("; ")}). Có thể điểm danh lại.`) : null,
      h("div", { class: "table-wrap" }, h("table", { id: "attendance" },
        h("thead", {}, h("tr", {}, h("th", {}, "STT"), h("th", {}, "Họ và tên"), h("th", {}, "Tình trạng"), h("th", {}, "Ghi chú"))),
        h("tbody", {}, day.students.map((st, i) => {
          const mark = st.marks.find((m) => m.session === session.value && m.period === null);
          const select = h("select", { "data-student": st.student_id, "aria-label": `Tình trạng của ${st.full_name}` },
            STATUS.map(([v, l]) => h("option", { value: v, selected: (mark?.status || "present") === v }, l)));
          const note = h("input", { type: "text", "aria-label": `Ghi chú cho ${st.full_name}`, value: mark?.note || "" });
          return h("tr", {}, h("td", { class: "num" }, i + 1), h("td", {}, st.full_name), h("td", {}, select), h("td", {}, note));
        })))));
  }
  const save = h("button", { type: "button", onclick: async () => {
    const marks = [...table.querySelectorAll("tbody tr")].map((tr) => {
      const select = tr.querySelector("select"), note = tr.querySelector("input");
      return { student_id: select.dataset.student, status: select.value, note: note.value.trim() || null };
    }).filter((m) => m.status !== "present");
    try {
      await api(gb(`/classes/${classId}/attendance`), { method: "PUT", body: { date: date.value, session: session.value, semester: Number(semester.value), marks } });
      fill(msg, alertBox("ok", `Đã lưu điểm danh: ${marks.length} học sinh vắng hoặc đi muộn.`));
      await load();
    } catch (err) { fill(msg, err instanceof ApiError ? problemBox(err) : alertBox("bad", String(err))); }
  } }, "Lưu điểm danh");
  for (const el of [date, session]) el.addEventListener("change", () => load().catch((err) => fill(msg, problemBox(err))));
  fill(body, h("div", { class: "card" }, ...field("Ngày", date), ...field("Buổi", session), ...field("Học kì", semester)),
    table, h("div", { class: "row" }, save), msg);
  try { await load(); } catch (err) { fill(msg, problemBox(err)); }
}

async function conduct(classId, body) {
  const semester = h("select", {}, h("option", { value: "1" }, "Học kì I"), h("option", { value: "2" }, "Học kì II"));
  const table = h("div", {});
  const msg = h("div", { "aria-live": "polite" });
  async function load() {
    const sheet = await loading(api(gb(`/classes/${classId}/conduct`)));
    if (/27/.test(sheet.rule_set)) {
      fill(table, alertBox("warn", "Lớp tiểu học đánh giá phẩm chất, năng lực (Thông tư 27): màn hình nhập sẽ có sau.")); return;
    }
    const key = `semester${semester.value}`;
    fill(table, h("div", { class: "table-wrap" }, h("table", { id: "conduct" },
      h("thead", {}, h("tr", {}, h("th", {}, "STT"), h("th", {}, "Họ và tên"), h("th", {}, "Kết quả rèn luyện"), h("th", {}, "Nhận xét"))),
      h("tbody", {}, sheet.students.map((st, i) => {
        const rating = st.ratings.find((r) => r.semester === Number(semester.value) && r.stage === "end");
        const select = h("select", { "data-student": st.student_id, "aria-label": `Rèn luyện của ${st.full_name}` },
          TRAINING.map((v) => h("option", { value: v, selected: (st[key] || "") === v }, v || "—")));
        const note = h("input", { type: "text", "aria-label": `Nhận xét rèn luyện của ${st.full_name}`, value: rating?.comment || "" });
        return h("tr", {}, h("td", { class: "num" }, i + 1), h("td", {}, st.full_name), h("td", {}, select), h("td", {}, note));
      })))));
  }
  semester.addEventListener("change", load);
  const save = h("button", { type: "button", onclick: async () => {
    const entries = [...table.querySelectorAll("tbody tr")].map((tr) => {
      const select = tr.querySelector("select"), note = tr.querySelector("input");
      return { student_id: select.dataset.student, training: select.value || null, comment: note.value.trim() || null };
    }).filter((e) => e.training);
    if (!entries.length) { fill(msg, alertBox("warn", "Chưa chọn kết quả rèn luyện cho học sinh nào.")); return; }
    try {
      await api(gb(`/classes/${classId}/conduct/semesters/${semester.value}`), { method: "PUT", body: { stage: "end", entries } });
      fill(msg, alertBox("ok", `Đã lưu rèn luyện của ${entries.length} học sinh.`));
    } catch (err) { fill(msg, err instanceof ApiError ? problemBox(err) : alertBox("bad", String(err))); }
  } }, "Lưu rèn luyện");
  fill(body, h("div", { class: "card" }, ...field("Học kì", semester)), table, h("div", { class: "row" }, save), msg);
  try { await load(); } catch (err) { fill(msg, problemBox(err)); }
}
