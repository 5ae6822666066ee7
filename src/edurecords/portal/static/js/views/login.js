// Sign-in: user name + password with the steps the identity service asks for (new password, TOTP enrolment,
// TOTP code), or a parent's phone number + one-time code.
import { ApiError, api, clearSession, id, saveSession } from "../api.js";
import { alertBox, field, fill, h, problemBox, view } from "../ui.js";

let ctx;

export async function show(context) {
  ctx = context;
  clearSession();
  ctx.renderNav();
  staffForm();
}

function tabs(active) {
  return h("div", { class: "tabs", role: "group", "aria-label": "Cách đăng nhập" },
    h("button", { type: "button", class: active === "staff" ? "" : "secondary", "aria-pressed": String(active === "staff"), onclick: staffForm }, "Cán bộ, giáo viên, học sinh"),
    h("button", { type: "button", class: active === "parent" ? "" : "secondary", "aria-pressed": String(active === "parent"), onclick: parentForm }, "Phụ huynh"));
}

function card(...children) { return h("div", { class: "card" }, ...children); }

function page(title, ...children) {
  const verify = h("p", { class: "hint" }, "Cần kiểm tra một học bạ số? ",
    h("a", { href: "#/xac-thuc" }, "Xác thực học bạ và văn bản ký số"), " (không cần đăng nhập).");
  view(title, h("div", { class: "narrow" }, ...children, verify)).classList.add("signin");
}

function form(onsubmit, ...children) {
  const msg = h("div", { "aria-live": "polite" });
  const f = h("form", { novalidate: true }, ...children, msg);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = f.querySelector("button[type=submit]");
    button.disabled = true;
    fill(msg, );
    try { await onsubmit(f); } catch (err) {
      fill(msg, err instanceof ApiError ? problemBox(err) : alertBox("bad", String(err.message || err)));
    } finally { button.disabled = false; }
  });
  return f;
}

function staffForm() {
  const user = h("input", { type: "text", name: "username", autocomplete: "username", required: true, autocapitalize: "none" });
  const pass = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  page("Đăng nhập", tabs("staff"), card(form(async () => {
    const answer = await api(id("/auth/login"), { method: "POST", auth: false, body: { username: user.value.trim(), password: pass.value } });
    await next(answer);
  }, ...field("Tên đăng nhập", user), ...field("Mật khẩu", pass),
  h("div", { class: "row" }, h("button", { type: "submit" }, "Đăng nhập")))));
  user.focus();
}

async function next(answer) {
  if (answer.status === "signed_in") return signedIn(answer);
  if (answer.status === "password_change_required") return passwordStep(answer.challenge);
  if (answer.status === "totp_enrollment_required") return enrolStep(answer.challenge);
  if (answer.status === "totp_required") return totpStep(answer.challenge);
  throw new Error(`Bước đăng nhập không rõ: ${answer.status}`);
}

async function signedIn(tokens) {
  saveSession(tokens);
  const me = await api(id("/auth/me"));
  saveSession(tokens, me);
  location.hash = ctx.home();
}

function passwordStep(challenge) {
  const p1 = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: "10" });
  const p2 = h("input", { type: "password", autocomplete: "new-password", required: true });
  page("Đổi mật khẩu lần đầu", card(
    h("p", {}, "Tài khoản cần đặt mật khẩu mới trước khi sử dụng: ít nhất 10 kí tự, không chứa tên đăng nhập, không phải mật khẩu phổ biến."),
    form(async () => {
      if (p1.value !== p2.value) throw new Error("Hai lần nhập mật khẩu mới không khớp nhau.");
      await next(await api(id("/auth/password"), { method: "POST", auth: false, body: { challenge, new_password: p1.value } }));
    }, ...field("Mật khẩu mới", p1), ...field("Nhập lại mật khẩu mới", p2),
    h("div", { class: "row" }, h("button", { type: "submit" }, "Đổi mật khẩu")))));
  p1.focus();
}

async function enrolStep(challenge) {
  const enrolment = await api(id("/auth/totp/enroll"), { method: "POST", auth: false, body: { challenge } });
  const code = codeInput();
  const grouped = enrolment.secret.replace(/(.{4})/g, "$1 ").trim();
  page("Bật xác thực hai lớp", card(
    h("p", {}, "Hiệu trưởng và quản trị viên phải dùng ứng dụng xác thực (Google Authenticator, Microsoft Authenticator…). " +
      "Trong ứng dụng chọn “Nhập khóa thiết lập” và gõ khóa dưới đây, rồi nhập mã 6 số ứng dụng hiển thị."),
    h("p", {}, h("b", {}, "Khóa thiết lập: "), h("span", { class: "secret", id: "totp-secret" }, grouped)),
    h("details", {}, h("summary", {}, "Địa chỉ otpauth (cho ứng dụng hỗ trợ dán liên kết)"),
      h("p", { class: "secret", id: "totp-uri" }, enrolment.otpauth_uri)),
    form(async () => {
      await next(await api(id("/auth/totp/confirm"), { method: "POST", auth: false, body: { challenge, code: code.value.trim() } }));
    }, ...field("Mã 6 số từ ứng dụng", code), h("div", { class: "row" }, h("button", { type: "submit" }, "Xác nhận")))));
  code.focus();
}

function codeInput() {
  return h("input", { type: "text", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: "6", required: true });
}

function totpStep(challenge) {
  const code = codeInput();
  page("Xác thực hai lớp", card(form(async () => {
    await next(await api(id("/auth/login/totp"), { method: "POST", auth: false, body: { challenge, code: code.value.trim() } }));
  }, ...field("Mã 6 số từ ứng dụng xác thực", code), h("div", { class: "row" }, h("button", { type: "submit" }, "Đăng nhập")))));
  code.focus();
}

function parentForm() {
  const phone = h("input", { type: "tel", autocomplete: "tel", inputmode: "tel", required: true });
  const code = codeInput();
  const codePart = h("div", { hidden: true }, ...field("Mã đăng nhập (6 số)", code));
  const submit = h("button", { type: "submit" }, "Nhận mã đăng nhập");
  let sent = false;
  page("Đăng nhập", tabs("parent"), card(
    h("p", {}, "Phụ huynh đăng nhập bằng số điện thoại đã đăng ký với nhà trường và mã gửi qua tin nhắn."),
    form(async (f) => {
      if (!sent) {
        const r = await api(id("/auth/otp/request"), { method: "POST", auth: false, body: { phone: phone.value.trim() } });
        sent = true;
        codePart.hidden = false;
        submit.textContent = "Đăng nhập";
        f.prepend(alertBox("ok", r.detail));
        code.focus();
        return;
      }
      await signedIn(await api(id("/auth/otp/verify"), { method: "POST", auth: false, body: { phone: phone.value.trim(), code: code.value.trim() } }));
    }, ...field("Số điện thoại", phone), codePart, h("div", { class: "row" }, submit))));
  phone.focus();
}
