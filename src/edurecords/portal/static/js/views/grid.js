// The gradebook grid of one class × subject × semester: keyboard navigation like a spreadsheet, paste from Excel,
// instant validation with the reason, live averages, locked columns read-only, save with the sheet's version.
import { ApiError, api, gb, upload } from "../api.js";
import { leaving } from "../app.js";
import { checkCell, semesterResult } from "../rules.js";
import { alertBox, field, fill, fmtDate, h, loading, problemBox, say, view } from "../ui.js";

const ACCEPTS = { score: "điểm 0–10", rating: "Đ hoặc CĐ", level: "T, H hoặc C", test: "số nguyên 1–10" };
let state;

export async function show(classId, subject, semester) {
  view("Sổ điểm", h("p", { class: "muted" }, "Đang tải sổ điểm…"));
  const base = gb(`/classes/${classId}/subjects/${subject}/semesters/${semester}`);
  const [sheet, comments] = await loading(Promise.all([
    api(`${base}/scores`),
    api(`${base}/comments`).catch(() => ({ comments: {} })),
  ]));
  state = { base, classId, subject, semester, sheet, comments: comments.comments || {}, inputs: new Map() };
  leaving.guard = () => dirtyCells().length > 0 || dirtyComments().length > 0;
  render();
  // Time to interactive of the grid, read by the performance measurement (docs/performance.md).
  performance.mark("edu:grid-ready");
}

function specs(sheet) {
  if (sheet.column_specs?.length) return sheet.column_specs;
  const accepts = sheet.assessment === "comment" ? "rating" : "score";
  return sheet.columns.map((code) => ({ code, label: code, accepts }));
}

function render() {
  const { sheet } = state;
  const cols = specs(sheet);
  const tt27 = cols.some((c) => c.accepts === "level" || c.accepts === "test");
  state.cols = cols;
  state.inputs.clear();
  const errorLine = h("p", { class: "cell-error", id: "cell-error", "aria-live": "assertive" });
  const messages = h("div", { id: "grid-messages" });
  const head = h("tr", {},
    h("th", { scope: "col" }, "STT"), h("th", { scope: "col", class: "name" }, "Họ và tên"),
    cols.map((c) => {
      const lock = sheet.locked_columns[c.code];
      return h("th", { scope: "col", title: `${c.label} — nhận ${ACCEPTS[c.accepts]}` }, c.code,
        lock ? h("span", { class: "lock" }, "🔒 Đã khóa") : null);
    }),
    h("th", { scope: "col" }, tt27 ? "Mức / Điểm KT" : sheet.assessment === "comment" ? "Kết quả HK" : "ĐTBmhk"),
    h("th", { scope: "col" }, "Nhận xét"));
  state.lastCell = null;
  const rows = sheet.students.map((st, r) => h("tr", { "data-student": st.student_id },
    h("td", { class: "no" }, r + 1),
    h("td", { class: "name", id: `n-${r}` }, st.full_name),
    cols.map((c, ci) => h("td", {}, cellInput(st, c, r, ci))),
    h("td", { class: "avg", id: `avg-${r}`, "aria-live": "off" }, resultText(st, tt27)),
    h("td", { class: "comment" }, commentInput(st, r, cols.length))));
  const locked = Object.entries(sheet.locked_columns);
  view(`${sheet.subject_name} — Lớp ${sheet.class_name} — Học kì ${sheet.semester === 1 ? "I" : "II"}`,
    h("div", { class: "toolbar" },
      h("span", { class: "badge" }, `Năm học ${sheet.school_year}`),
      h("span", { class: "badge" }, sheet.rule_set),
      h("span", { class: "badge", id: "version" }, `Phiên bản ${sheet.version}`),
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "secondary", id: "correction", onclick: correctionDialog }, "Yêu cầu sửa điểm đã khóa"),
      h("button", { type: "button", class: "secondary", onclick: reload }, "Tải lại"),
      h("button", { type: "button", id: "save", onclick: save }, "Lưu")),
    locked.length ? alertBox("warn", `Các cột đã khóa sổ, chỉ xem: ${locked.map(([c, l]) => `${c} (từ ${fmtDate(l.starts_at || l.locked_at)})`).join(", ")}. ` +
      "Muốn sửa, chọn ô rồi bấm “Yêu cầu sửa điểm đã khóa”.") : null,
    h("p", { class: "legend" }, "Mũi tên, Enter, Tab để di chuyển; Esc trả lại giá trị cũ; dán một cột (hoặc nhiều cột) từ Excel vào ô đầu tiên. " +
      cols.map((c) => `${c.code}: ${c.label} (${ACCEPTS[c.accepts]})`).join("; ") + "."),
    errorLine, messages,
    h("div", { class: "table-wrap" }, h("table", { class: "grid", id: "grid", "aria-label": "Bảng nhập điểm" },
      h("thead", {}, head), h("tbody", {}, rows))));
  state.errorLine = errorLine;
  state.messages = messages;
  updateBadge();
}

function resultText(st, tt27) {
  if (tt27) return [st.level, st.test_score].filter((v) => v !== null && v !== undefined).join(" / ");
  return st.average ?? st.rating ?? "";
}

function cellInput(st, c, r, ci) {
  const lock = state.sheet.locked_columns[c.code];
  const original = st.values[c.code] ?? "";
  const input = h("input", {
    type: "text", value: original, "data-row": r, "data-col": ci, "data-column": c.code,
    "aria-labelledby": `n-${r}`, "aria-label": `${st.full_name}, cột ${c.code}`, autocomplete: "off",
    inputmode: c.accepts === "score" || c.accepts === "test" ? "decimal" : "text",
    readonly: lock ? true : null, "aria-readonly": lock ? "true" : null,
  });
  input.removeAttribute("aria-labelledby");
  input.dataset.original = original;
  state.inputs.set(`${r}:${ci}`, input);
  input.addEventListener("focus", () => { state.lastCell = input; input.select(); showError(input); });
  input.addEventListener("input", () => validate(input));
  input.addEventListener("keydown", (e) => keys(e, input));
  input.addEventListener("paste", (e) => paste(e, input));
  return input;
}

function commentInput(st, r, ci) {
  const original = state.comments[st.student_id] ?? "";
  const input = h("input", { type: "text", value: original, "data-row": r, "data-col": ci, "data-comment": "1",
    "aria-label": `Nhận xét của ${st.full_name}`, maxlength: "1000" });
  input.dataset.original = original;
  state.inputs.set(`${r}:${ci}`, input);
  input.addEventListener("input", () => { input.classList.toggle("dirty", input.value !== input.dataset.original); updateBadge(); });
  input.addEventListener("keydown", (e) => keys(e, input));
  return input;
}

function rowOf(input) { return state.sheet.students[Number(input.dataset.row)]; }

function validate(input) {
  const c = state.cols[Number(input.dataset.col)];
  const st = rowOf(input);
  const checked = checkCell(c.accepts, input.value, { student: st.full_name, column: c.code });
  input.dataset.error = checked.error || "";
  input.classList.toggle("bad", Boolean(checked.error));
  input.setAttribute("aria-invalid", checked.error ? "true" : "false");
  input.title = checked.error || "";
  const stored = input.dataset.original === "" ? null : input.dataset.original;
  const now = checked.error ? undefined : checked.value;
  input.classList.toggle("dirty", !checked.error && now !== stored);
  showError(input);
  liveResult(Number(input.dataset.row));
  updateBadge();
}

function showError(input) { state.errorLine.textContent = input.dataset.error || ""; }

function liveResult(r) {
  const { sheet, cols } = state;
  if (cols.some((c) => c.accepts === "level" || c.accepts === "test")) return;
  const values = {};
  cols.forEach((c, ci) => {
    const input = state.inputs.get(`${r}:${ci}`);
    const checked = checkCell(c.accepts, input.value);
    values[c.code] = checked.error ? null : checked.value;
  });
  document.getElementById(`avg-${r}`).textContent = semesterResult(sheet.columns, values, sheet.assessment) ?? "";
}

function move(input, dr, dc) {
  const r = Number(input.dataset.row) + dr, c = Number(input.dataset.col) + dc;
  const target = state.inputs.get(`${r}:${c}`);
  if (target) { target.focus(); return true; }
  return false;
}

function keys(e, input) {
  const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
  const atEnd = input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
  const whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
  if (e.key === "ArrowDown" || (e.key === "Enter" && !e.shiftKey)) { e.preventDefault(); move(input, 1, 0); }
  else if (e.key === "ArrowUp" || (e.key === "Enter" && e.shiftKey)) { e.preventDefault(); move(input, -1, 0); }
  else if (e.key === "ArrowLeft" && (atStart || whole)) { if (move(input, 0, -1)) e.preventDefault(); }
  else if (e.key === "ArrowRight" && (atEnd || whole)) { if (move(input, 0, 1)) e.preventDefault(); }
  else if (e.key === "Escape") {
    input.value = input.dataset.original;
    if (input.dataset.comment) input.classList.remove("dirty"); else validate(input);
    updateBadge();
  }
}

// Excel copies a block as rows separated by newlines and cells by tabs: fill down and right from this cell.
function paste(e, input) {
  const text = e.clipboardData?.getData("text/plain") ?? "";
  if (!/[\t\n]/.test(text.trim())) return;
  e.preventDefault();
  const lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
  const r0 = Number(input.dataset.row), c0 = Number(input.dataset.col);
  let filled = 0, skipped = 0;
  lines.forEach((line, dr) => line.split("\t").forEach((value, dc) => {
    const target = state.inputs.get(`${r0 + dr}:${c0 + dc}`);
    if (!target || target.dataset.comment) return;
    if (target.readOnly) { skipped += 1; return; }
    target.value = value.trim();
    validate(target);
    filled += 1;
  }));
  showError(input);
  say(`Đã dán ${filled} ô${skipped ? `, bỏ qua ${skipped} ô đã khóa` : ""}. Bấm “Lưu” để ghi vào sổ.`);
}

function dirtyCells() {
  return [...state.inputs.values()].filter((i) => !i.dataset.comment && i.classList.contains("dirty"));
}

function dirtyComments() {
  return [...state.inputs.values()].filter((i) => i.dataset.comment && i.value !== i.dataset.original);
}

function updateBadge() {
  const n = dirtyCells().length + dirtyComments().length;
  const bad = [...state.inputs.values()].filter((i) => i.classList.contains("bad")).length;
  const save = document.getElementById("save");
  if (save) save.textContent = n ? `Lưu (${n} thay đổi)` : "Lưu";
  if (save) save.setAttribute("aria-describedby", bad ? "cell-error" : "");
}

async function save() {
  const bad = [...state.inputs.values()].filter((i) => i.classList.contains("bad"));
  fill(state.messages, );
  if (bad.length) {
    state.messages.append(alertBox("bad", `Còn ${bad.length} ô không hợp lệ, chưa lưu được:`, bad.slice(0, 10).map((i) => i.dataset.error)));
    bad[0].focus();
    return;
  }
  const cells = dirtyCells(), notes = dirtyComments();
  if (!cells.length && !notes.length) { say("Không có thay đổi nào cần lưu."); return; }
  const button = document.getElementById("save");
  button.disabled = true;
  try {
    let saved = 0;
    if (cells.length) {
      const entries = cells.map((i) => {
        const c = state.cols[Number(i.dataset.col)];
        return { student_id: rowOf(i).student_id, column: c.code, value: checkCell(c.accepts, i.value).value };
      });
      const answer = await api(`${state.base}/scores`, { method: "PUT", body: { entries, expected_version: state.sheet.version } });
      saved = answer.changes.length;
      state.sheet = answer.sheet;
    }
    if (notes.length) {
      await api(`${state.base}/comments`, { method: "PUT", body: { entries: notes.map((i) => ({ student_id: rowOf(i).student_id, text: i.value.trim() || null })) } });
      for (const i of notes) state.comments[rowOf(i).student_id] = i.value.trim();
    }
    render();
    state.messages.append(alertBox("ok", `Đã lưu ${saved} điểm${notes.length ? ` và ${notes.length} nhận xét` : ""}.`));
    say("Đã lưu sổ điểm.");
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    showProblem(err);
  } finally { button.disabled = false; }
}

function showProblem(err) {
  const p = err.problem;
  if (err.status === 409 && p.type?.endsWith("/sheet-changed")) {
    const cells = (p.changed_cells || []).map((c) => `${c.student_name || c.student_id}, cột ${c.column}: ${c.old ?? "(trống)"} → ${c.new ?? "(trống)"} — ${c.by}`);
    state.messages.append(h("div", { class: "alert bad", role: "alert", id: "conflict" },
      h("b", {}, p.title || "Bảng điểm đã được người khác thay đổi"), h("p", {}, p.detail),
      cells.length ? h("ul", {}, cells.map((c) => h("li", {}, c))) : null,
      h("p", {}, "Các điểm bạn vừa nhập vẫn còn trên màn hình; hãy ghi lại trước khi tải lại."),
      h("button", { type: "button", class: "secondary", onclick: reload }, "Tải lại bảng điểm")));
    return;
  }
  for (const e of p.errors || []) {
    const r = state.sheet.students.findIndex((s) => s.student_id === e.student_id);
    const ci = state.cols.findIndex((c) => c.code === e.column);
    const input = state.inputs.get(`${r}:${ci}`);
    if (input) { input.dataset.error = e.message; input.classList.add("bad"); input.setAttribute("aria-invalid", "true"); input.title = e.message; }
  }
  state.messages.append(problemBox(err));
}

async function reload() {
  if (leaving.guard() && !confirm("Có điểm chưa lưu. Tải lại và bỏ các thay đổi?")) return;
  await show(state.classId, state.subject, state.semester);
}

function correctionDialog() {
  const focused = state.lastCell;
  const c = state.cols?.[Number(focused?.dataset?.col)];
  if (!focused?.readOnly || !c) {
    fill(state.messages, alertBox("warn", "Chọn một ô ở cột đã khóa (bằng chuột hoặc bàn phím) rồi bấm “Yêu cầu sửa điểm đã khóa”."));
    return;
  }
  const st = rowOf(focused);
  const value = h("input", { type: "text", required: true });
  const reason = h("textarea", { required: true, rows: "3", minlength: "3" });
  const evidence = h("input", { type: "text" });
  const file = h("input", { type: "file", accept: "application/pdf,image/jpeg,image/png" });
  const msg = h("div", { "aria-live": "polite" });
  const dialog = h("dialog", { "aria-labelledby": "corr-title" },
    h("form", { method: "dialog" },
      h("h2", { id: "corr-title" }, `Yêu cầu sửa điểm: ${st.full_name}, cột ${c.code}`),
      h("p", {}, `Giá trị hiện tại: ${focused.dataset.original || "(trống)"}. Điểm chỉ thay đổi khi Hiệu trưởng phê duyệt.`),
      ...field("Giá trị mới", value), ...field("Lí do sửa", reason), ...field("Minh chứng (bài kiểm tra, biên bản…)", evidence),
      ...field("Tệp minh chứng: bản quét PDF hoặc ảnh bài kiểm tra (cần có trước khi Hiệu trưởng duyệt)", file),
      msg,
      h("div", { class: "row" },
        h("button", { type: "submit", value: "send", id: "corr-send" }, "Gửi yêu cầu"),
        h("button", { type: "submit", value: "cancel", class: "secondary", formnovalidate: true }, "Hủy"))));
  dialog.querySelector("form").addEventListener("submit", async (e) => {
    if (e.submitter?.value !== "send") return;
    e.preventDefault();
    const checked = checkCell(c.accepts, value.value, { student: st.full_name, column: c.code });
    if (checked.error) { fill(msg, alertBox("bad", checked.error)); return; }
    try {
      const sent = await api(gb("/corrections"), { method: "POST", body: {
        class_id: state.classId, subject_code: state.subject, semester: state.semester, student_id: st.student_id,
        column: c.code, value: checked.value, reason: reason.value.trim(), evidence: evidence.value.trim() || null } });
      for (const f of file.files) await upload(gb(`/corrections/${sent.id}/evidence?filename=${encodeURIComponent(f.name)}`), f);
      dialog.close();
      fill(state.messages, alertBox("ok", `Đã gửi yêu cầu sửa điểm ${c.code} của ${st.full_name} tới Hiệu trưởng.`));
    } catch (err) { fill(msg, err instanceof ApiError ? problemBox(err) : alertBox("bad", String(err))); }
  });
  dialog.addEventListener("close", () => { dialog.remove(); focused.focus(); });
  document.body.append(dialog);
  dialog.showModal();
  value.focus();
}
