// The principal's desk: correction requests (approve / reject with a note), class results waiting for approval
// (approve / return), and the school's gradebook locks (lock a class's subject or the school, unlock).
import { ApiError, api, download, gb, id, session } from "../api.js";
import { alertBox, field, fill, fmtDate, h, loading, problemBox, say, view } from "../ui.js";

const PERIODS = { hk1: "Học kì I", hk2: "Học kì II", year: "Cả năm", retest: "Sau kiểm tra lại" };
const SCOPES = { school: "Toàn trường", class: "Cả lớp", class_subject: "Một môn của lớp", column: "Một cột điểm" };
const TABS = [["sua-diem", "Yêu cầu sửa điểm"], ["ket-qua", "Duyệt kết quả"], ["khoa-so", "Khóa sổ"]];
let names;

export async function show(tab) {
  const school = session().me?.school_id;
  const nav = h("div", { class: "tabs", role: "navigation", "aria-label": "Phê duyệt và khóa sổ" },
    TABS.map(([t, label]) => h("a", { href: `#/duyet/${t}`, class: t === tab ? "button" : "button secondary", "aria-current": t === tab ? "page" : null }, label)));
  const body = h("div", {}, h("p", { class: "muted" }, "Đang tải…"));
  view("Phê duyệt và khóa sổ", nav, body);
  if (!school) { fill(body, alertBox("warn", "Tài khoản không gắn với trường nào.")); return; }
  if (!names) {
    const [classes, subjects] = await loading(Promise.all([api(id(`/schools/${school}/classes`)), api(id("/subjects"))]));
    names = { classes: Object.fromEntries(classes.map((c) => [c.id, c])), subjects: Object.fromEntries(subjects.map((s) => [s.code, s.name])), students: {} };
  }
  if (tab === "ket-qua") return approvals(school, body);
  if (tab === "khoa-so") return locks(school, body);
  return corrections(school, body);
}

const className = (cid) => names.classes[cid]?.name || cid;

async function studentNames(classIds) {
  await Promise.all([...new Set(classIds)].filter((c) => !names.students[c]).map(async (cid) => {
    const roster = await api(id(`/classes/${cid}/students`));
    names.students[cid] = Object.fromEntries(roster.map((s) => [s.id, s.full_name]));
  }));
}

function decide(label, kind, onDecide) {
  return h("button", { type: "button", class: kind, onclick: async (e) => {
    const note = e.target.closest("tr")?.querySelector("input.note")?.value.trim() || null;
    e.target.disabled = true;
    try { await onDecide(note); } finally { e.target.disabled = false; }
  } }, label);
}

function noteInput(what) {
  return h("input", { type: "text", class: "note", "aria-label": `Ghi chú khi phê duyệt hoặc từ chối ${what}`, placeholder: "Ghi chú (không bắt buộc)" });
}

// The evidence files sit behind the bearer token: list them on demand and open each as a local blob.
function evidenceFiles(c) {
  const box = h("div", {});
  fill(box, h("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      const files = await api(gb(`/corrections/${c.id}/evidence`));
      fill(box, files.length ? h("ul", {}, files.map((f) => h("li", {}, h("a", { href: "#", onclick: async (e) => {
        e.preventDefault();
        const url = URL.createObjectURL(await download(gb(`/corrections/${c.id}/evidence/${f.n}`)));
        window.open(url, "_blank", "noopener");
      } }, f.filename)))) : h("span", { class: "muted" }, "Chưa có tệp minh chứng."));
    } catch (err) { fill(box, problemBox(err)); }
  } }, "Tệp minh chứng"));
  return box;
}

async function corrections(school, body) {
  const found = await loading(api(gb(`/corrections?school_id=${school}`)));
  await studentNames(found.map((c) => c.class_id));
  const pending = found.filter((c) => c.status === "pending");
  const decided = found.filter((c) => c.status !== "pending").slice(-10).reverse();
  const msg = h("div", { "aria-live": "polite" });
  const row = (c, actions) => h("tr", { "data-correction": c.id },
    h("td", {}, className(c.class_id)), h("td", {}, names.students[c.class_id]?.[c.student_id] || c.student_id),
    h("td", {}, `${names.subjects[c.subject_code] || c.subject_code} · HK${c.semester} · ${c.column}`), h("td", { class: "num" }, `${c.old_value ?? "—"} → ${c.new_value ?? "—"}`),
    h("td", {}, c.reason, c.evidence ? h("div", { class: "muted" }, `Minh chứng: ${c.evidence}`) : null, evidenceFiles(c)),
    h("td", {}, c.requested_by_name, h("div", { class: "muted" }, fmtDate(c.requested_at))), h("td", {}, actions));
  const act = (c, verb) => async (note) => {
    try {
      await api(gb(`/corrections/${c.id}/${verb}`), { method: "POST", body: { note } });
      say(verb === "approve" ? "Đã phê duyệt yêu cầu sửa điểm." : "Đã từ chối yêu cầu sửa điểm.");
      await corrections(school, body);
    } catch (err) { fill(msg, err instanceof ApiError ? problemBox(err) : alertBox("bad", String(err))); }
  };
  const head = h("thead", {}, h("tr", {}, ["Lớp", "Học sinh", "Môn · kì · cột", "Điểm cũ → mới", "Lí do", "Người đề nghị", ""].map((t) => h("th", {}, t))));
  fill(body, msg,
    h("h2", {}, `Chờ phê duyệt (${pending.length})`),
    pending.length ? h("div", { class: "table-wrap" }, h("table", { id: "pending-corrections" }, head, h("tbody", {}, pending.map((c) =>
      row(c, h("div", {}, noteInput("yêu cầu này"), h("div", { class: "row" }, decide("Phê duyệt", "", act(c, "approve")), decide("Từ chối", "danger", act(c, "reject"))))))))) :
      alertBox("ok", "Không có yêu cầu sửa điểm nào đang chờ."),
    decided.length ? h("h2", {}, "Đã xử lí gần đây") : null,
    decided.length ? h("div", { class: "table-wrap" }, h("table", {}, head.cloneNode(true), h("tbody", {}, decided.map((c) =>
      row(c, h("span", { class: `badge ${c.status === "approved" ? "ok" : "warn"}` }, c.status === "approved" ? "Đã phê duyệt" : "Đã từ chối", c.decision_note ? ` — ${c.decision_note}` : "")))))) : null);
}

async function approvals(school, body) {
  const found = await loading(api(gb(`/result-approvals?school_id=${school}`)));
  const waiting = found.filter((a) => a.status === "submitted");
  const msg = h("div", { "aria-live": "polite" });
  const act = (a, verb) => async (note) => {
    try {
      await api(gb(`/result-approvals/${a.id}/${verb}`), { method: "POST", body: { note } });
      say(verb === "approve" ? "Đã phê duyệt kết quả." : "Đã trả lại kết quả.");
      await approvals(school, body);
    } catch (err) { fill(msg, err instanceof ApiError ? problemBox(err) : alertBox("bad", String(err))); }
  };
  fill(body, msg, h("h2", {}, `Kết quả chờ duyệt (${waiting.length})`),
    waiting.length ? h("div", { class: "table-wrap" }, h("table", { id: "approvals" },
      h("thead", {}, h("tr", {}, ["Lớp", "Kì", "Số học sinh", "Gửi lúc", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, waiting.map((a) => h("tr", {}, h("td", {}, className(a.class_id)), h("td", {}, PERIODS[a.period]),
        h("td", { class: "num" }, a.students), h("td", {}, fmtDate(a.submitted_at)),
        h("td", {}, noteInput("kết quả này"), h("div", { class: "row" }, h("a", { href: `#/chu-nhiem/${a.class_id}/ket-qua` }, "Xem kết quả"),
          decide("Phê duyệt", "", act(a, "approve")), decide("Trả lại", "danger", act(a, "return"))))))))) :
      alertBox("ok", "Không có hồ sơ kết quả nào đang chờ duyệt."),
    h("h2", {}, "Đã xử lí"),
    h("ul", {}, found.filter((a) => a.status !== "submitted").map((a) =>
      h("li", {}, `${className(a.class_id)} — ${PERIODS[a.period]}: ${a.status === "approved" ? "đã phê duyệt" : "đã trả lại"} ${fmtDate(a.decided_at)}${a.note ? ` (${a.note})` : ""}`))));
}

async function locks(school, body) {
  const found = await loading(api(gb(`/locks?school_id=${school}`)));
  const msg = h("div", { "aria-live": "polite" });
  const scope = h("select", {}, Object.entries(SCOPES).filter(([v]) => v !== "column").map(([v, l]) => h("option", { value: v }, l)));
  const klass = h("select", {}, Object.values(names.classes).sort((a, b) => a.name.localeCompare(b.name, "vi")).map((c) => h("option", { value: c.id }, c.name)));
  const subject = h("input", { type: "text", placeholder: "ví dụ: toan" });
  const semester = h("select", {}, h("option", { value: "" }, "Cả năm"), h("option", { value: "1" }, "Học kì I"), h("option", { value: "2" }, "Học kì II"));
  const lockButton = h("button", { type: "button", onclick: async () => {
    const body_ = { scope: scope.value, school_id: school, semester: semester.value ? Number(semester.value) : null };
    if (scope.value !== "school") body_.class_id = klass.value;
    if (scope.value === "class_subject") body_.subject_code = subject.value.trim();
    try {
      await api(gb("/locks"), { method: "POST", body: body_ });
      say("Đã khóa sổ.");
      await locks(school, body);
    } catch (err) { fill(msg, err instanceof ApiError ? problemBox(err) : alertBox("bad", String(err))); }
  } }, "Khóa sổ");
  const where = (l) => [SCOPES[l.scope], l.class_id ? className(l.class_id) : null, l.subject_code, l.column,
    l.semester ? `HK${l.semester}` : null].filter(Boolean).join(" · ");
  fill(body, msg,
    h("h2", {}, `Khóa đang có hiệu lực hoặc đã hẹn giờ (${found.length})`),
    found.length ? h("div", { class: "table-wrap" }, h("table", { id: "locks" },
      h("thead", {}, h("tr", {}, ["Phạm vi", "Loại", "Từ", "Đến", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, found.map((l) => h("tr", {}, h("td", {}, where(l)), h("td", {}, l.kind === "inspection" ? `Đợt kiểm tra${l.reason ? `: ${l.reason}` : ""}` : "Nhà trường"),
        h("td", {}, fmtDate(l.starts_at || l.locked_at)), h("td", {}, l.ends_at ? fmtDate(l.ends_at) : "đến khi mở khóa"),
        h("td", {}, l.kind === "inspection" ? h("span", { class: "muted" }, "Cấp trên quản lí") : h("button", { type: "button", class: "secondary", onclick: async () => {
          if (!confirm(`Mở khóa: ${where(l)}?`)) return;
          try { await api(gb(`/locks/${l.id}`), { method: "DELETE" }); say("Đã mở khóa."); await locks(school, body); }
          catch (err) { fill(msg, problemBox(err)); }
        } }, "Mở khóa"))))))) : alertBox("ok", "Chưa có khóa nào."),
    h("h2", {}, "Khóa sổ mới"),
    h("div", { class: "card" }, ...field("Phạm vi", scope), ...field("Lớp", klass), ...field("Mã môn (khi khóa một môn)", subject),
      ...field("Học kì", semester), h("div", { class: "row" }, lockButton)));
}
