// The gradebook's entry rules, mirrored for instant feedback (the server checks again and has the last word):
// scores 0–10 rounded half up to one decimal, Đ/CĐ, T/H/C, primary test scores 1–10, and the TT22 semester
// average (ΣTX + 2·GK + 3·CK) / (n + 5) in exact tenths, so 6.25 → 6.3 as in Decimal ROUND_HALF_UP.

const RATINGS = { "Đ": "Đ", "CĐ": "CĐ", "ĐẠT": "Đ", "CHƯA ĐẠT": "CĐ" };
const LEVELS = { T: "T", H: "H", C: "C" };

// A score as typed ("6,5", "8", " 7.25 ", "1e1") → {sign, int, frac} digit strings exactly as Python's Decimal
// reads it (no floating point), or null when it is not a number.
function decimalParts(text) {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/.exec(text.replace(",", "."));
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return null;
  let digits = m[2] + (m[3] ?? "");
  let point = m[2].length + Number(m[4] ?? 0);
  if (point < 0) { digits = "0".repeat(-point) + digits; point = 0; }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  return { negative: m[1] === "-", int: digits.slice(0, point).replace(/^0+/, "") || "0", frac: digits.slice(point) };
}

// Tenths (an integer), rounded half up like Decimal ROUND_HALF_UP; null when not a number or outside 0–10 as typed.
export function scoreTenths(text) {
  const p = decimalParts(text.trim());
  if (!p) return null;
  const zero = p.int === "0" && !/[1-9]/.test(p.frac);
  if ((p.negative && !zero) || p.int.length > 2 || Number(p.int) > 10 || (p.int === "10" && /[1-9]/.test(p.frac))) return null;
  const f = p.frac + "00";
  return Number(p.int) * 10 + Number(f[0]) + (Number(f[1]) >= 5 ? 1 : 0);
}

export function tenthsText(t) { return `${Math.floor(t / 10)}.${t % 10}`; }

// One cell: {value} as the server will store it ("6.5", "Đ", "T", "7"), null to clear, or {error} with the reason.
export function checkCell(accepts, raw, { student = "", column = "" } = {}) {
  const text = raw.normalize("NFC").trim();
  if (text === "") return { value: null };
  const who = `Điểm của học sinh ${student} cột ${column}`;
  if (accepts === "score") {
    if (!decimalParts(text)) return { error: `${who} '${text}' không phải là số.` };
    const t = scoreTenths(text);
    // The range is checked on the value as typed, before rounding: 10.04 is out of range, as on the server.
    if (t === null) return { error: `${who} '${text}' phải nằm trong khoảng 0–10.` };
    return { value: tenthsText(t) };
  }
  if (accepts === "rating") {
    const v = RATINGS[text.toUpperCase()];
    return v ? { value: v } : { error: `Đánh giá của học sinh ${student} cột ${column} '${text}' không hợp lệ: môn đánh giá bằng nhận xét chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt).` };
  }
  if (accepts === "level") {
    const v = LEVELS[text.toUpperCase()];
    return v ? { value: v } : { error: `Mức đạt được của học sinh ${student} cột ${column} '${text}' không hợp lệ: chỉ nhận T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành).` };
  }
  if (/^\d{1,2}$/.test(text) && Number(text) >= 1 && Number(text) <= 10) return { value: String(Number(text)) };
  return { error: `Điểm kiểm tra định kì của học sinh ${student} cột ${column} '${text}' không hợp lệ: chỉ nhận số nguyên từ 1 đến 10 (không có điểm 0, không có điểm thập phân).` };
}

// The semester result of a TT22 row from its stored values: "7.3" (scored), "Đ"/"CĐ" (comment), null if incomplete.
export function semesterResult(columns, values, assessment) {
  const regular = columns.filter((c) => c.startsWith("TX"));
  const got = regular.map((c) => values[c]).filter((v) => v !== null && v !== undefined);
  const gk = values.GK, ck = values.CK;
  if (got.length < regular.length || gk == null || ck == null) return null;
  if (assessment === "comment") return [...got, gk, ck].every((v) => v === "Đ") ? "Đ" : "CĐ";
  const total = got.reduce((s, v) => s + scoreTenths(v), 0) + 2 * scoreTenths(gk) + 3 * scoreTenths(ck);
  const d = got.length + 5;
  return tenthsText(Math.floor((2 * total + d) / (2 * d)));
}
