// Xác thực học bạ / văn bản đã ký: public, no sign-in. A third party types the code printed under the QR code of a
// học bạ, or uploads a signed PDF or XML and sees every signature checked.
import { api, ApiError } from "../api.js";
import { alertBox, field, fill, fmtDate, h, loading, problemBox, view } from "../ui.js";

const STATUS = {
  draft: "Bản nháp (chưa có giá trị pháp lý)", submitted: "Đang trình ký", signed: "Đã ký số",
  issued: "Đã cấp", superseded: "Đã được thay thế bởi phiên bản mới hơn", stale: "Bản nháp cần trình ký lại",
};
const REVOCATION = { good: "còn hiệu lực", revoked: "ĐÃ BỊ THU HỒI", unknown: "không kiểm tra được" };

function transcriptCard(v) {
  const ok = ["signed", "issued"].includes(v.status);
  return h("section", { class: "card", "aria-label": "Kết quả tra cứu mã xác thực" },
    alertBox(ok ? "good" : "warn", ok ? "Học bạ này do nhà trường phát hành và đã được ký số."
      : `Học bạ ở trạng thái: ${STATUS[v.status] || v.status}.`),
    h("dl", {},
      h("dt", {}, "Học sinh"), h("dd", {}, v.student_name),
      h("dt", {}, "Trường"), h("dd", {}, v.school_name || ""),
      h("dt", {}, "Năm học, lớp"), h("dd", {}, v.years.map((y) => `${y.school_year}: ${y.class_name}`).join("; ")),
      h("dt", {}, "Trạng thái"), h("dd", {}, STATUS[v.status] || v.status),
      v.signed_at ? [h("dt", {}, "Ký ngày"), h("dd", {}, fmtDate(v.signed_at))] : null,
      h("dt", {}, "Phiên bản"), h("dd", {}, String(v.version ?? "")),
      h("dt", {}, "Mã băm nội dung (SHA-256)"), h("dd", { class: "mono" }, v.content_sha256),
    ));
}

function signatureRow(s, i) {
  const c = s.certificate;
  return h("tr", {},
    h("td", {}, String(i + 1)),
    h("td", {}, c ? c.common_name : "(không đọc được chứng thư)"),
    h("td", {}, s.signing_time ? fmtDate(s.signing_time) : ""),
    h("td", {}, s.timestamp_time ? fmtDate(s.timestamp_time) : "không có"),
    h("td", {}, s.intact ? "Nguyên vẹn" : "ĐÃ BỊ THAY ĐỔI"),
    h("td", {}, s.trusted ? "Tin cậy" : "Không tin cậy"),
    h("td", {}, REVOCATION[s.revocation] || s.revocation),
    h("td", {}, s.problems.join("; ")));
}

function fileReport(r) {
  return h("section", { class: "card", "aria-label": "Kết quả kiểm tra chữ ký số" },
    alertBox(r.valid ? "good" : "bad", r.valid
      ? `Mọi chữ ký số trong tệp ${r.kind.toUpperCase()} đều hợp lệ và nội dung không bị thay đổi sau khi ký.`
      : "Tệp KHÔNG hợp lệ: có chữ ký không kiểm tra được hoặc nội dung đã bị thay đổi.", r.problems),
    h("table", {},
      h("thead", {}, h("tr", {}, ["#", "Người ký", "Thời điểm ký", "Dấu thời gian", "Nội dung", "Chứng thư",
        "Thu hồi", "Ghi chú"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, r.signatures.map(signatureRow))));
}

export async function show(code) {
  const out = h("div", { "aria-live": "polite" });
  const codeInput = h("input", { name: "code", autocomplete: "off", required: true, minlength: 4, maxlength: 32,
    value: code || "", placeholder: "Mã in dưới mã QR" });
  const fileInput = h("input", { type: "file", name: "file", accept: ".pdf,.xml,application/pdf,application/xml" });

  async function lookUp(value) {
    try {
      const v = await loading(api(`/api/transcript/verify/${encodeURIComponent(value)}`, { auth: false }));
      fill(out, transcriptCard(v));
    } catch (err) {
      fill(out, err instanceof ApiError && err.status === 404
        ? alertBox("bad", `Không có học bạ nào mang mã ${value}. Hãy kiểm tra lại mã in trên học bạ.`)
        : problemBox(err));
    }
  }

  async function check(file) {
    const form = new FormData();
    form.append("file", file);
    try {
      const r = await loading(fetch("/api/signing/verify", { method: "POST", body: form }));
      const data = await r.json().catch(() => null);
      if (!r.ok) throw new ApiError(r.status, data);
      fill(out, fileReport(data));
    } catch (err) { fill(out, problemBox(err)); }
  }

  view("Xác thực học bạ và văn bản ký số",
    h("p", {}, "Trang công khai cho cơ quan, trường học và nhà tuyển dụng: nhập mã xác thực in trên học bạ, hoặc tải "
      + "lên tệp PDF/XML đã ký để kiểm tra từng chữ ký số."),
    h("form", { class: "card", onsubmit: (e) => { e.preventDefault(); lookUp(codeInput.value.trim()); } },
      field("Mã xác thực", codeInput), h("button", { type: "submit" }, "Tra cứu")),
    h("form", { class: "card", onsubmit: (e) => { e.preventDefault(); if (fileInput.files[0]) check(fileInput.files[0]); } },
      field("Tệp học bạ đã ký (PDF hoặc XML)", fileInput), h("button", { type: "submit" }, "Kiểm tra chữ ký")),
    out);
  if (code) await lookUp(code);
}
