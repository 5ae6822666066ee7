// The app shell: hash routes, the navigation by role, sign-out. Each screen is its own module, loaded on demand,
// so a page only downloads the JavaScript it uses.
import { api, clearSession, grants, id, session } from "./api.js";
import { fill, h, routing } from "./ui.js";

const TEACHING = ["subject_teacher", "homeroom_teacher"];
const LEADING = ["principal", "vice_principal", "school_admin"];
const FAMILY = ["parent", "student"];

const routes = [
  [/^#\/dang-nhap$/, "login", () => []],
  [/^#\/lop-cua-toi$/, "classes", () => []],
  [/^#\/so-diem\/([^/]+)\/([^/]+)\/([12])$/, "grid", (m) => [m[1], m[2], Number(m[3])]],
  [/^#\/chu-nhiem\/([^/]+)(?:\/([a-z-]+))?$/, "homeroom", (m) => [m[1], m[2] || "ket-qua"]],
  [/^#\/duyet(?:\/([a-z-]+))?$/, "principal", (m) => [m[1] || "sua-diem"]],
  [/^#\/hoc-tap$/, "family", () => []],
  [/^#\/xac-thuc(?:\/([A-Za-z0-9-]+))?$/, "verify", (m) => [m[1] || ""]],
];
// Pages anyone may open without signing in.
const PUBLIC = /^#\/(dang-nhap|xac-thuc)/;

// A screen with unsaved work sets this; leaving asks first (the browser's beforeunload covers closing the tab).
export const leaving = { guard: null };
let current = location.hash;

function has(roles) { return grants().some((g) => roles.includes(g.role)); }

function home() {
  if (!session()?.access) return "#/dang-nhap";
  if (has(LEADING)) return "#/duyet";
  if (has(TEACHING)) return "#/lop-cua-toi";
  if (has(FAMILY)) return "#/hoc-tap";
  return "#/lop-cua-toi";
}

function renderNav() {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  const s = session();
  if (!s?.access) { nav.hidden = true; who.hidden = true; return; }
  const items = [];
  if (has(TEACHING)) items.push(["#/lop-cua-toi", "Lớp và môn của tôi"]);
  for (const g of grants("homeroom_teacher")) items.push([`#/chu-nhiem/${g.scope_id}`, "Lớp chủ nhiệm"]);
  if (has(LEADING)) items.push(["#/duyet", "Phê duyệt và khóa sổ"]);
  if (has(FAMILY)) items.push(["#/hoc-tap", "Kết quả học tập"]);
  // Services still to come get a visible, honest place in the menu rather than a dead link.
  const soon = ["Ký số", "Học bạ số", "Hộp thư thông báo", "Báo cáo của Sở"];
  fill(nav, 
    ...items.map(([href, label]) => h("a", { href, "aria-current": location.hash.startsWith(href) ? "page" : null }, label)),
    h("span", { class: "soon", title: "Các chức năng này sẽ có khi dịch vụ tương ứng hoàn thành" },
      `Sắp có: ${soon.join(", ")}`),
  );
  fill(who, 
    h("span", {}, s.me?.display_name || s.me?.username || ""),
    h("button", { type: "button", class: "secondary", onclick: signOut }, "Đăng xuất"),
  );
  nav.hidden = false;
  who.hidden = false;
}

async function signOut() {
  if (leaving.guard?.() && !confirm("Có điểm chưa lưu. Vẫn đăng xuất và bỏ các thay đổi?")) return;
  leaving.guard = null;
  const s = session();
  // Forget the tokens first: the tab is signed out even if the server cannot be reached.
  clearSession();
  location.hash = "#/dang-nhap";
  if (s?.refresh) {
    try { await api(id("/auth/logout"), { method: "POST", body: { refresh_token: s.refresh }, auth: false }); } catch { /* signed out anyway */ }
  }
}

async function route() {
  if (location.hash !== current && leaving.guard?.()) {
    if (!confirm("Có điểm chưa lưu. Rời trang và bỏ các thay đổi?")) {
      history.replaceState(null, "", current);
      return;
    }
  }
  leaving.guard = null;
  if (!location.hash || location.hash === "#/") { location.replace(home()); return; }
  if (!session()?.access && !PUBLIC.test(location.hash)) { location.replace("#/dang-nhap"); return; }
  current = location.hash;
  const seq = ++routing.seq;
  renderNav();
  const found = routes.map(([re, name, args]) => [location.hash.match(re), name, args]).find(([m]) => m);
  const main = document.getElementById("main");
  if (!found) { fill(main, h("h1", {}, "Không tìm thấy trang"), h("a", { href: "#/" }, "Về trang chính")); return; }
  const [m, name, args] = found;
  const screen = await import(`./views/${name}.js`);
  if (seq !== routing.seq) return;
  await screen.show(...args(m), { home, renderNav });
  main.focus({ preventScroll: true });
}

addEventListener("hashchange", route);
addEventListener("beforeunload", (e) => { if (leaving.guard?.()) { e.preventDefault(); e.returnValue = ""; } });
route();
