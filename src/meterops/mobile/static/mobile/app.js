/* meterops field app (HOME mode mobile, seed 000): vanilla JS, no build step.
 *
 * Offline first: the work list, its customers, the damage types and the unit's contacts are
 * kept in IndexedDB; every entry goes into the IndexedDB queue first (with its photos as
 * compressed JPEG blobs, GPS and time) and is sent from there, with a client id the server uses
 * to answer a resend with the first result. Nothing lives only in memory, so closing the app
 * or restarting the phone loses nothing. The queue, sending it and correcting a refused entry
 * are in queue.js, loaded after this file.
 */
"use strict";

const API = "/api";
const CHUNK = 256 * 1024;
const PHOTO_SIDE = 1600;
/* How each entry screen takes back an entry the server refused (queue.js, Perbaiki): its
   screen and form, where a refused field is corrected when not on itself, and its photos. */
const EDITORS = {};
const REGISTER_KINDS = ["accuracy_check", "disconnection", "reconnection", "dismantling"];
const TITLES = {
  login: "Login",
  home: "HOME Mobile",
  work: "Pekerjaan Hari Ini",
  status: "Cek Status APP",
  damage: "Input Data Rusak",
  distribute: "Distribusi PK",
  monitoring: "Monitoring PK",
  replace: "Input Data Ganti",
  guide: "Panduan Aplikasi",
  password: "Ganti Password",
  contact: "Kontak Kami",
  queue: "Antrian Kirim",
  order: "Hasil Order",
  kct: "Ganti Kunci KCT",
  reread: "Baca Ulang Stan",
  install: "Pasang Prabayar",
};

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function localDate(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function showDay(isoDate) {
  const [y, m, d] = isoDate.split("-");
  return `${d}-${m}-${y}`;
}

function showTime(iso) {
  return iso ? new Date(iso).toLocaleString("id-ID", { dateStyle: "medium", timeStyle: "short" }) : "-";
}

/* ---- IndexedDB ----------------------------------------------------------------------- */

const db = {
  handle: null,
  open() {
    if (this.handle) return Promise.resolve(this.handle);
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("meterops-mobile", 1);
      request.onupgradeneeded = () => {
        const d = request.result;
        d.createObjectStore("queue", { keyPath: "id" });
        d.createObjectStore("cache", { keyPath: "key" });
      };
      request.onsuccess = () => resolve((this.handle = request.result));
      request.onerror = () => reject(request.error);
    });
  },
  async run(store, mode, action) {
    const d = await this.open();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(store, mode);
      const request = action(tx.objectStore(store));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  },
  get: (store, key) => db.run(store, "readonly", (s) => s.get(key)),
  all: (store) => db.run(store, "readonly", (s) => s.getAll()),
  put: (store, value) => db.run(store, "readwrite", (s) => s.put(value)),
  delete: (store, key) => db.run(store, "readwrite", (s) => s.delete(key)),
  clear: (store) => db.run(store, "readwrite", (s) => s.clear()),
};

async function cached(key) {
  const row = await db.get("cache", key);
  return row ? row.value : null;
}

function cache(key, value) {
  return db.put("cache", { key, value, at: new Date().toISOString() });
}

/* ---- API ----------------------------------------------------------------------------- */

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

const auth = {
  get token() { return localStorage.getItem("mo.token"); },
  get user() { return JSON.parse(localStorage.getItem("mo.user") || "null"); },
  save(token, user) {
    localStorage.setItem("mo.token", token);
    localStorage.setItem("mo.user", JSON.stringify(user));
  },
  clear() {
    localStorage.removeItem("mo.token");
    localStorage.removeItem("mo.user");
  },
};

async function api(path, { method = "GET", json, body, headers = {} } = {}) {
  const options = { method, headers: { ...headers } };
  if (auth.token) options.headers.Authorization = `Bearer ${auth.token}`;
  if (json !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/octet-stream";
    options.body = body;
  }
  const response = await fetch(API + path, options); // a TypeError here means no connection
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: `Server menjawab HTTP ${response.status}.` }; }
  if (response.status === 401 && path !== "/auth/login") {
    auth.clear();
    go("login");
  }
  // A 304 is the answer to the app's own If-None-Match (worklist.js).
  if (!response.ok && response.status !== 304) throw new ApiError(response.status, data);
  return { status: response.status, data, headers: response.headers };
}

function isOffline(error) {
  return !(error instanceof ApiError) || error.status >= 500;
}

/* ---- Network status ------------------------------------------------------------------ */

function showNet() {
  const net = $("#net");
  net.textContent = navigator.onLine ? "Online" : "Offline";
  net.classList.toggle("offline", !navigator.onLine);
}

window.addEventListener("online", () => { showNet(); sync(); });
window.addEventListener("offline", showNet);

/* ---- Screens ------------------------------------------------------------------------- */

let current = null;

function go(name) {
  if (location.hash !== `#${name}`) location.hash = name;
  else route();
}

function route() {
  let name = location.hash.slice(1) || "home";
  if (!TITLES[name]) name = "home";
  if (!auth.token) name = "login";
  else if (name === "login") name = "home";
  current = name;
  for (const screen of $$(".screen")) screen.hidden = screen.id !== `screen-${name}`;
  $("#title").textContent = TITLES[name];
  $("#back").hidden = name === "home" || name === "login";
  window.scrollTo(0, 0);
  const enter = SCREENS[name];
  if (enter) enter().catch((error) => console.error(error));
}

window.addEventListener("hashchange", route);
$("#back").addEventListener("click", () => go("home"));

const SCREENS = {
  async home() {
    const user = auth.user;
    $("#who").textContent = user ? `${user.full_name} — ${user.contractor || user.unit}` : "";
    const distributor = (document.body.dataset.distributorRoles || "").split(",");
    const canDistribute = user && user.roles.some((role) => distributor.includes(role));
    for (const tile of $$("[data-role=distributor]")) tile.hidden = !canDistribute;
    const work = await cached("worklist");
    $("#work-count").textContent = work ? String(work.items.length) : "";
    await showQueueCount();
  },
  async work() {
    await renderWork();
    if (navigator.onLine) await fetchWork().catch(() => {});
  },
  async status() {},
  async damage() { await startDamage(); },
  async distribute() { await loadDistribution(); },
  async monitoring() { await loadMonitoring(); },
  async replace() { await startReplace(); },
  async guide() {},
  async password() {
    $("#password-form").reset();
    $("#password-done").hidden = true;
    $("#password-error").textContent = "";
  },
  async contact() { await loadContacts(); },
  async queue() { await renderQueue(); },
  async order() { await startOrder(); },
  async kct() { await startKct(); },
  async reread() { await startReread(); },
  async install() { await startInstall(); },
};

/* ---- Login --------------------------------------------------------------------------- */

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  $("#login-error").textContent = "";
  try {
    const { data } = await api("/auth/login", {
      method: "POST",
      json: {
        username: form.username.value.trim(),
        password: form.password.value,
        device_name: navigator.userAgent.slice(0, 120),
      },
    });
    auth.save(data.token, data.user);
    form.reset();
    go("home");
    startUp = fetchReferenceData();
  } catch (error) {
    // A lockout comes as JSON like every other refusal, its message saying how long.
    $("#login-error").textContent = isOffline(error)
      ? "Tidak ada sinyal: login butuh koneksi."
      : error.message;
  }
});

$("#logout").addEventListener("click", async () => {
  const queue = await db.all("queue");
  const unsent = queue.filter((item) => item.state !== "sent").length;
  if (unsent && !confirm(`${unsent} data belum terkirim dan akan tetap di HP ini. Keluar?`)) return;
  try { await api("/auth/logout", { method: "POST" }); } catch { /* the token expires anyway */ }
  auth.clear();
  await db.clear("cache");
  go("login");
});

/* The lists fetched after login, the work list last: a screen or a test waits on it. */
let startUp = Promise.resolve();

async function fetchReferenceData() {
  try {
    const { data } = await api("/damage-types");
    await cache("damage-types", data);
  } catch { /* kept from last time */ }
  try {
    const { data } = await api("/contacts");
    await cache("contacts", data);
  } catch { /* kept from last time */ }
  await fetchWork().catch(() => {});
}

/* ---- Work list ----------------------------------------------------------------------- */

/* fetchWork is in worklist.js. */

$("#work-refresh").addEventListener("click", async () => {
  try {
    await fetchWork();
  } catch (error) {
    $("#work-fetched").textContent = isOffline(error)
      ? "Tidak ada sinyal: yang tampil daftar tersimpan."
      : error.message;
  }
});

function screenOf(item) {
  if (item.kind === "replacement") return "#replace";
  if (item.kind === "keychange") return "#kct";
  if (item.kind === "reading") return "#reread";
  if (item.kind === "prepaid") return "#install";
  return "#order";
}

/* One key per work-list item and per queued entry, so ids of different kinds never mix. */
function workKey(item) {
  if (item.kind === "replacement") return `replacement:${item.id}`;
  if (item.kind === "keychange") return `kct:${item.id}`;
  if (item.kind === "reading") return `reread:${item.id}`;
  if (item.kind === "prepaid") return `install:${item.id}`;
  return `order:${item.id}`;
}

/* The work-list item the officer tapped (the list stores its key), if its kind fits the screen. */
async function pickedItem(fits) {
  const picked = sessionStorage.getItem("mo.pick") || "";
  const work = await cached("worklist");
  return work ? work.items.find((i) => `${i.kind}:${i.id}` === picked && fits(i.kind)) : null;
}

function savedOnPhone(what) {
  return `${what} tersimpan di HP. ${navigator.onLine ? "Sedang dikirim." : "Dikirim saat ada sinyal."}`;
}

function queuedKey(q) {
  if (q.kind === "order") return `order:${q.payload.order_id}`;
  if (q.kind === "kct") return `kct:${q.payload.target_id}`;
  if (q.kind === "reread") return `reread:${q.payload.reading_id}`;
  if (q.kind === "install") return `install:${q.payload.application_id}`;
  return `replacement:${q.payload.work_order_id}`;
}

function workState(item, queuedState) {
  if (queuedState === "failed") return "Ditolak server: perbaiki di Antrian Kirim";
  return queuedState ? "Sudah diinput" : item.state_label;
}

/* Everything is read before the list is replaced in one go: two renderings at once (the
   screen's own fetch and a tap on Ambil daftar kerja) cannot both append their items. */
async function renderWork() {
  const work = await cached("worklist");
  const queued = new Map((await db.all("queue")).map((q) => [queuedKey(q), q.state]));
  const list = $("#work-list");
  if (!work) {
    list.replaceChildren();
    $("#work-fetched").textContent = "Daftar kerja belum pernah diambil.";
    return;
  }
  const fetched = showTime(work.checked_at || work.generated_at);
  $("#work-fetched").textContent = `Diambil ${fetched} — ${work.items.length} pekerjaan.`;
  list.replaceChildren(...work.items.map((item) => workRow(item, queued.get(workKey(item)))));
}

function workRow(item, queuedState) {
  const c = item.customer;
  return el("li", { class: "work-item", "data-id": item.id },
    el("a", { href: screenOf(item), onclick: () => sessionStorage.setItem("mo.pick", `${item.kind}:${item.id}`) },
      el("strong", {}, item.reference), " ",
      el("span", { class: "state" }, workState(item, queuedState)),
      el("div", {}, item.title),
      el("div", {}, `${c.customer_id} — ${c.name}`),
      // A prepaid PK names the meter to install; the customer may have none yet (PB).
      el("div", { class: "meta" }, `${c.address} · Meter ${item.detail.meter_number || c.meter_number || "-"}`),
      // The day the planner set for the visit (seed 004 §IV "jadwal pelaksanaan").
      item.detail.planned_on ? el("div", { class: "meta" }, `Jadwal kunjungan ${showDay(item.detail.planned_on)}`) : null));
}

/* ---- Cek Status APP ------------------------------------------------------------------ */

$("#status-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const idpel = event.target.customer_id.value.trim();
  const out = $("#status-result");
  $("#status-error").textContent = "";
  out.replaceChildren();
  if (!/^\d{12}$/.test(idpel)) {
    $("#status-error").textContent = "IDPEL harus 12 angka.";
    return;
  }
  try {
    const { data } = await api(`/customers/${idpel}`);
    await cache(`customer:${idpel}`, data.customer);
    out.append(customerCard(data.customer),
      el("h2", {}, "Proses berjalan"),
      el("ul", { class: "list" }, data.open_processes.length
        ? data.open_processes.map((p) => el("li", {}, el("strong", {}, p.kind), ` ${p.reference}: ${p.state_label}`, el("div", { class: "meta" }, showTime(p.opened_at))))
        : el("li", { class: "muted" }, "Tidak ada proses berjalan.")),
      el("h2", {}, "Riwayat terakhir"),
      el("ul", { class: "list" }, data.events.map((e) => el("li", {}, el("div", {}, e.state_label || e.label), el("div", { class: "meta" }, `${showTime(e.at)} ${e.note}`)))));
  } catch (error) {
    const local = await cached(`customer:${idpel}`);
    if (isOffline(error) && local) {
      out.append(el("p", { class: "muted" }, "Offline: data pelanggan tersimpan di HP."), customerCard(local));
    } else {
      $("#status-error").textContent = isOffline(error) ? "Tidak ada sinyal dan pelanggan belum tersimpan di HP." : error.message;
    }
  }
});

function customerCard(c) {
  return el("div", { class: "card" }, el("dl", {},
    el("dt", {}, "IDPEL"), el("dd", { class: "customer-idpel" }, c.customer_id),
    el("dt", {}, "Nama"), el("dd", {}, c.name),
    el("dt", {}, "Alamat"), el("dd", {}, c.address || "-"),
    el("dt", {}, "Tarif/Daya"), el("dd", {}, `${c.tariff} / ${c.power_va} VA`),
    el("dt", {}, "Meter"), el("dd", {}, `${c.meter_brand || "-"} ${c.meter_number || ""}`)));
}

/* ---- Steps --------------------------------------------------------------------------- */

function showStep(form, step) {
  const screen = form.closest(".screen");
  for (const part of $$(".step", form)) part.hidden = part.dataset.step !== String(step);
  for (const li of $$(".steps li", screen)) li.classList.toggle("active", li.dataset.step === String(step));
  form.dataset.step = String(step);
  window.scrollTo(0, 0);
}

function decimalOrNull(value, field, errors) {
  const text = String(value || "").trim().replace(",", ".");
  if (!text) return null;
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(text)) {
    errors.push(`${field}: angka dengan paling banyak 2 desimal`);
    return null;
  }
  return text;
}

/* ---- Photos: compressed on the phone ------------------------------------------------- */

async function compress(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close && bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
  if (!blob) throw new Error("Foto tidak bisa dibaca.");
  return { client_id: uuid(), name: (file.name || "foto").replace(/\.[^.]*$/, "").slice(0, 60) + ".jpg", blob, upload_id: null };
}

async function compressAll(files) {
  const out = [];
  for (const file of files) out.push(await compress(file));
  return out;
}

function showThumbs(container, photos) {
  container.replaceChildren(...photos.map((p) => el("img", { src: URL.createObjectURL(p.blob), alt: p.name })));
}

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ latitude: pos.coords.latitude.toFixed(6), longitude: pos.coords.longitude.toFixed(6) }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  });
}

/* ---- Input Data Rusak ---------------------------------------------------------------- */

let damagePhotos = [];

async function startDamage() {
  await takeEditing("damage");
  const form = $("#damage-form");
  form.reset();
  damagePhotos = [];
  $("#damage-thumbs").replaceChildren();
  $("#damage-error").textContent = "";
  $("#damage-customer").textContent = "Isi IDPEL 12 angka.";
  const select = $("#damage-type");
  let types = await cached("damage-types");
  if (!types && navigator.onLine) {
    try { types = (await api("/damage-types")).data; await cache("damage-types", types); } catch { types = null; }
  }
  select.replaceChildren(el("option", { value: "" }, "— pilih —"), ...(types || []).map((t) => el("option", { value: t.code }, t.name)));
  showStep(form, 1);
  await showEditing("damage");
}

EDITORS.damage = {
  screen: "damage",
  form: "#damage-form",
  fields: { photo_ids: ["#damage-photos"], file: ["#damage-photos"], size: ["#damage-photos"] },
  restore(photos) {
    damagePhotos = photos;
    showThumbs($("#damage-thumbs"), damagePhotos);
  },
};

$("#damage-idpel").addEventListener("input", async (event) => {
  const idpel = event.target.value.trim();
  const box = $("#damage-customer");
  if (!/^\d{12}$/.test(idpel)) { box.textContent = "Isi IDPEL 12 angka."; return; }
  let customer = await cached(`customer:${idpel}`);
  if (!customer && navigator.onLine) {
    try { customer = (await api(`/customers/${idpel}`)).data.customer; await cache(`customer:${idpel}`, customer); } catch { customer = null; }
  }
  box.replaceChildren(customer ? customerCard(customer) : el("span", {}, "Pelanggan belum tersimpan di HP; diperiksa server saat terkirim."));
});

$("#damage-photos").addEventListener("change", async (event) => {
  damagePhotos = await compressAll(Array.from(event.target.files).slice(0, 5));
  showThumbs($("#damage-thumbs"), damagePhotos);
});

for (const button of $$("#damage-form .next")) {
  button.addEventListener("click", () => {
    const form = $("#damage-form");
    const step = Number(form.dataset.step);
    const error = $("#damage-error");
    error.textContent = "";
    if (step === 1 && !/^\d{12}$/.test(form.customer_id.value.trim())) { error.textContent = "IDPEL harus 12 angka."; return; }
    if (step === 2) {
      const errors = [];
      if (!form.damage_type.value) errors.push("Jenis kerusakan wajib dipilih");
      decimalOrNull(form.reading_at_discovery.value, "Stan", errors);
      if (errors.length) { error.textContent = errors.join("; "); return; }
    }
    showStep(form, step + 1);
  });
}

$("#damage-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#damage-error");
  if (!damagePhotos.length) { error.textContent = "Ambil minimal 1 foto."; return; }
  const errors = [];
  const reading = decimalOrNull(form.reading_at_discovery.value, "Stan", errors);
  const gps = await position();
  const item = {
    id: uuid(),
    kind: "damage",
    label: `IDPEL ${form.customer_id.value.trim()}`,
    payload: {
      customer_id: form.customer_id.value.trim(),
      damage_type: form.damage_type.value,
      notes: form.notes.value.trim(),
      reading_at_discovery: reading,
      lbkb: form.lbkb.checked,
      latitude: gps ? gps.latitude : null,
      longitude: gps ? gps.longitude : null,
      observed_at: new Date().toISOString(),
    },
    photos: damagePhotos,
  };
  const refused = await enqueue(item);
  if (refused) { error.textContent = refused; return; }
  $("#damage-done").replaceChildren(
    el("strong", {}, "Data rusak tersimpan di HP."),
    el("div", {}, `${item.label}, ${damagePhotos.length} foto, ${gps ? `GPS ${gps.latitude}, ${gps.longitude}` : "tanpa GPS"}.`),
    el("div", {}, navigator.onLine ? "Sedang dikirim ke server." : "Akan dikirim saat ada sinyal."));
  damagePhotos = [];
  showStep(form, 4);
});

$("#damage-again").addEventListener("click", (event) => { event.preventDefault(); startDamage(); });

/* ---- Input Data Ganti ---------------------------------------------------------------- */

let replacePhotos = { before: [], after: [] };

async function startReplace() {
  const fix = await takeEditing("replacement");
  const form = $("#replace-form");
  form.reset();
  replacePhotos = { before: [], after: [] };
  $("#replace-thumbs").replaceChildren();
  $("#replace-error").textContent = "";
  $("#replace-date").value = localDate();
  const work = await cached("worklist");
  // A PK already in the queue is not offered again, unless it is the refused entry corrected here.
  const queued = new Set((await db.all("queue")).filter((q) => q.kind === "replacement" && q.id !== (fix && fix.id)).map((q) => q.payload.work_order_id));
  const items = (work ? work.items : []).filter((i) => i.kind === "replacement" && !queued.has(i.id));
  const select = $("#replace-wo");
  select.replaceChildren(el("option", { value: "" }, items.length ? "— pilih PK —" : "Tidak ada PK di daftar kerja"),
    ...items.map((i) => el("option", { value: i.id }, `${i.reference} — ${i.customer.name}`)));
  const picked = (sessionStorage.getItem("mo.pick") || "").replace("replacement:", "");
  sessionStorage.removeItem("mo.pick");
  if (picked && items.some((i) => String(i.id) === picked)) select.value = picked;
  select.disabled = Boolean(fix); // a corrected entry stays the entry of its PK
  await showPickedOrder();
  showStep(form, 1);
  await showEditing("replacement");
}

EDITORS.replacement = {
  screen: "replace",
  form: "#replace-form",
  fields: {
    // Refused on the missing reason, corrected on the stan or by giving the reason.
    low_reading_reason: ["old_final_reading", "low_reading_reason"],
    photo_ids: ["#replace-before", "#replace-after"],
    file: ["#replace-before", "#replace-after"],
    size: ["#replace-before", "#replace-after"],
  },
  restore(photos) {
    replacePhotos = { before: photos.slice(0, 1), after: photos.slice(1) };
    showReplaceThumbs();
  },
};

function showReplaceThumbs() {
  showThumbs($("#replace-thumbs"), [...replacePhotos.before, ...replacePhotos.after]);
}

async function pickedOrder() {
  const work = await cached("worklist");
  const id = Number($("#replace-wo").value);
  return work ? work.items.find((i) => i.id === id) : null;
}

async function showPickedOrder() {
  const item = await pickedOrder();
  const box = $("#replace-customer");
  if (!item) { box.textContent = "Pilih PK dari daftar kerja."; return; }
  const last = item.detail.last_reading;
  box.replaceChildren(customerCard(item.customer), el("p", { class: "muted" }, `${item.title}. Stan saat ditemukan: ${item.detail.reading_at_discovery || "-"}`),
    el("p", { class: "muted", id: "replace-facts" }, `PK dicetak ${dayText(item.detail.printed_on)}. Stan terakhir: ${last ? `${kwhText(last.kwh)} kWh (${dayText(last.on)})` : "-"}.`));
}

/* The server's entry checks (record_replacement: replacement date, final stan far from the
   last one; issue #19), repeated here so the phone refuses before queueing what the server
   would refuse. The work list carries their facts; the server stays the authority. */
const dayText = (iso) => (iso ? iso.split("-").reverse().join("-") : "-");
const kwhText = (value) => Number(value).toLocaleString("id-ID", { maximumFractionDigits: 2 });
const milli = (value) => Math.round(Number(value) * 1000);

function replacementEntryProblems(item, form) {
  const problems = [];
  const day = form.replaced_on.value;
  const detail = item.detail || {};
  if (day > localDate()) problems.push("Tanggal ganti tidak boleh di masa depan");
  else if (detail.printed_on && day < detail.printed_on) problems.push(`Tanggal ganti ${dayText(day)} sebelum tanggal cetak PK ${dayText(detail.printed_on)}`);
  const last = detail.last_reading;
  const final = decimalOrNull(form.old_final_reading.value, "Stan akhir", []);
  if (!last || final === null || !day || form.low_reading_reason.value.trim()) return problems;
  const days = Math.max(Math.round((Date.parse(day) - Date.parse(last.on)) / 86400000), 0) + 1;
  const perDay = milli(detail.daily_use_limit_kwh || 0);
  const limit = milli(last.kwh) + perDay * days;
  const since = `stan terakhir ${kwhText(last.kwh)} (${dayText(last.on)})`;
  if (milli(final) < milli(last.kwh)) problems.push(`Stan akhir ${kwhText(final)} lebih kecil dari ${since}: isi alasannya`);
  else if (perDay > 0 && milli(final) > limit) problems.push(`Stan akhir ${kwhText(final)} melebihi ${since} ditambah pemakaian maksimum dayanya selama ${days} hari (batas ${kwhText(limit / 1000)}): isi alasannya`);
  return problems;
}

$("#replace-wo").addEventListener("change", showPickedOrder);
$("#replace-before").addEventListener("change", async (event) => {
  replacePhotos.before = await compressAll(Array.from(event.target.files).slice(0, 1));
  showReplaceThumbs();
});
$("#replace-after").addEventListener("change", async (event) => {
  replacePhotos.after = await compressAll(Array.from(event.target.files).slice(0, 4));
  showReplaceThumbs();
});

for (const button of $$("#replace-form .next")) {
  button.addEventListener("click", async () => {
    const form = $("#replace-form");
    const step = Number(form.dataset.step);
    const error = $("#replace-error");
    error.textContent = "";
    if (step === 1 && !form.work_order_id.value) { error.textContent = "Pilih PK dulu."; return; }
    if (step === 2) {
      const errors = [];
      if (decimalOrNull(form.old_final_reading.value, "Stan akhir meter lama", errors) === null && !errors.length) errors.push("Stan akhir meter lama wajib diisi");
      if (decimalOrNull(form.new_initial_reading.value, "Stan awal meter baru", errors) === null && !errors.length) errors.push("Stan awal meter baru wajib diisi");
      if (!form.new_meter_brand.value.trim()) errors.push("Merk meter baru wajib diisi");
      if (!/^[0-9A-Za-z-]{1,20}$/.test(form.new_meter_number.value.trim())) errors.push("Nomor meter baru: huruf/angka, maksimal 20");
      if (!form.replaced_on.value) errors.push("Tanggal ganti wajib diisi");
      if (!errors.length) errors.push(...replacementEntryProblems(await pickedOrder(), form));
      if (errors.length) { error.textContent = errors.join("; "); return; }
    }
    showStep(form, step + 1);
  });
}

$("#replace-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#replace-error");
  if (replacePhotos.before.length !== 1 || !replacePhotos.after.length) {
    error.textContent = "Ambil 1 foto sebelum dan minimal 1 foto sesudah ganti.";
    return;
  }
  const item = await pickedOrder();
  const problems = replacementEntryProblems(item, form);
  if (problems.length) { error.textContent = problems.join("; "); return; }
  const errors = [];
  const entry = {
    id: uuid(),
    kind: "replacement",
    label: `${item.reference} (${item.customer.customer_id})`,
    payload: {
      work_order_id: item.id,
      version: item.version,
      old_final_reading: decimalOrNull(form.old_final_reading.value, "Stan akhir", errors),
      low_reading_reason: form.low_reading_reason.value.trim(),
      new_meter_brand: form.new_meter_brand.value.trim(),
      new_meter_number: form.new_meter_number.value.trim(),
      new_meter_model: form.new_meter_model.value.trim(),
      new_meter_serial: form.new_meter_serial.value.trim(),
      new_initial_reading: decimalOrNull(form.new_initial_reading.value, "Stan awal", errors),
      seal_numbers: form.seal_numbers.value.trim(),
      new_meter_vkrn: form.new_meter_vkrn.value ? Number(form.new_meter_vkrn.value) : null,
      replaced_on: form.replaced_on.value,
    },
    photos: [...replacePhotos.before, ...replacePhotos.after],
  };
  const refused = await enqueue(entry);
  if (refused) { error.textContent = refused; return; }
  $("#replace-done").replaceChildren(
    el("strong", {}, "Data ganti tersimpan di HP."),
    el("div", {}, `${entry.label}: meter baru ${entry.payload.new_meter_number}.`),
    el("div", {}, navigator.onLine ? "Sedang dikirim ke server." : "Akan dikirim saat ada sinyal."));
  replacePhotos = { before: [], after: [] };
  showStep(form, 4);
});

/* ---- Fieldwork orders: their outcome ------------------------------------------------ */

let orderItem = null;
let orderPhotos = [];

/* ---- Signature pad: the recipient signs on the screen (a PNG sent like a photo) ------- */

const signaturePad = $("#order-signature");
let signed = false;

function padPoint(event) {
  const box = signaturePad.getBoundingClientRect();
  return [
    ((event.clientX - box.left) * signaturePad.width) / box.width,
    ((event.clientY - box.top) * signaturePad.height) / box.height,
  ];
}

signaturePad.addEventListener("pointerdown", (event) => {
  signaturePad.setPointerCapture(event.pointerId);
  const pen = signaturePad.getContext("2d");
  Object.assign(pen, { lineWidth: 4, lineCap: "round", lineJoin: "round", strokeStyle: "#111" });
  pen.beginPath();
  pen.moveTo(...padPoint(event));
  signaturePad.dataset.drawing = "1";
});
signaturePad.addEventListener("pointermove", (event) => {
  if (!signaturePad.dataset.drawing) return;
  const pen = signaturePad.getContext("2d");
  pen.lineTo(...padPoint(event));
  pen.stroke();
  signed = true;
});
for (const end of ["pointerup", "pointercancel"]) {
  signaturePad.addEventListener(end, () => delete signaturePad.dataset.drawing);
}

function clearSignature() {
  const pen = signaturePad.getContext("2d");
  pen.fillStyle = "#fff"; // white paper: the server keeps photos as JPEG, without transparency
  pen.fillRect(0, 0, signaturePad.width, signaturePad.height);
  signed = false;
}
$("#order-signature-clear").addEventListener("click", clearSignature);

async function signaturePhoto() {
  if (!signed) return null;
  const blob = await new Promise((resolve) => signaturePad.toBlob(resolve, "image/png"));
  return { client_id: uuid(), name: "tanda-tangan.png", blob, upload_id: null };
}

async function startOrder() {
  await takeEditing("order");
  const form = $("#order-form");
  form.reset();
  clearSignature();
  orderPhotos = [];
  $("#order-thumbs").replaceChildren();
  $("#order-error").textContent = "";
  $("#order-done").hidden = true;
  orderItem = await pickedItem((kind) => kind.startsWith("fieldwork."));
  form.hidden = !orderItem;
  const box = $("#order-customer");
  if (!orderItem) { box.textContent = "Pilih order dari daftar kerja."; return; }
  box.replaceChildren(el("strong", {}, `${orderItem.reference} — ${orderItem.title}`), customerCard(orderItem.customer));
  const detail = orderItem.detail;
  $("#order-notice-carried").textContent = detail.notice_printed_at
    ? `Bawa TUL VI-01 dicetak ${showTime(detail.notice_printed_at)}, ditandatangani ${detail.notice_signer}. Cek pelunasan (PPOB) sebelum memutus.`
    : "";
  showOrderFields();
  await showEditing("order");
}

EDITORS.order = {
  screen: "order",
  form: "#order-form",
  // A notice's note is the form's notice_note; the service calls some fields by shorter names.
  names: (payload) => (payload.notice_outcome ? { note: "notice_note" } : {}),
  fields: {
    note: ["notice_note", "note"],
    outcome: ["notice_outcome"],
    method: ["disconnection_method"],
    route: ["route_code"],
    substation: ["substation_code"],
    photo: ["#order-photo"],
    photo_ids: ["#order-photo"],
    file: ["#order-photo"],
    size: ["#order-photo"],
  },
  async restore(photos) {
    // As the server reads them: the photo, then the recipient's signature.
    orderPhotos = photos.slice(0, 1);
    showThumbs($("#order-thumbs"), orderPhotos);
    if (photos[1]) await drawSignature(photos[1].blob);
  },
};

async function drawSignature(blob) {
  const bitmap = await createImageBitmap(blob);
  signaturePad.getContext("2d").drawImage(bitmap, 0, 0, signaturePad.width, signaturePad.height);
  signed = true;
}

function showOrderFields() {
  if (!orderItem) return;
  const kind = orderItem.detail.order_kind;
  const failed = $("#order-form").result.value === "failed";
  const show = {
    failed,
    register: !failed && REGISTER_KINDS.includes(kind),
    credit: !failed && kind === "prepaid_sampling",
    disconnection: !failed && kind === "disconnection",
    notice: !failed && kind === "notice",
    survey: !failed && kind === "survey",
    inspection: !failed && kind === "p2tl_inspection",
    photo: !failed && kind !== "survey",
  };
  for (const part of $$("#order-form [data-when]")) part.hidden = !show[part.dataset.when];
}

for (const radio of $$("#order-form input[name=result]")) radio.addEventListener("change", showOrderFields);
$("#order-photo").addEventListener("change", async (event) => {
  orderPhotos = await compressAll(Array.from(event.target.files).slice(0, 1));
  showThumbs($("#order-thumbs"), orderPhotos);
});

$("#order-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#order-error");
  error.textContent = "";
  const queued = await whyNotQueue("order", workKey(orderItem));
  if (queued) { error.textContent = queued; return; }
  const kind = orderItem.detail.order_kind;
  const failed = form.result.value === "failed";
  const errors = [];
  // done_at: when the officer did it, kept when the phone sends later (the H+1 report rule).
  const payload = { order_id: orderItem.id, version: orderItem.version, result: form.result.value, done_at: new Date().toISOString() };
  if (failed) {
    payload.reason = form.reason.value.trim();
    if (!payload.reason) errors.push("Alasan gagal wajib diisi");
  } else {
    if (REGISTER_KINDS.includes(kind)) {
      payload.register_kwh = decimalOrNull(form.register_kwh.value, "Stan", errors);
      if (payload.register_kwh === null && !errors.length) errors.push("Stan wajib diisi");
    }
    if (kind === "disconnection") {
      // Seed 004 §VI: the MCB is switched off and sealed; cutting at the SR is not allowed.
      payload.disconnection_method = form.disconnection_method.value;
      payload.seal_number = form.seal_number.value.trim().toUpperCase();
      if (payload.disconnection_method === "sr_cut") {
        errors.push("Memutus lewat SR dengan membuka segel OA kas tidak diperkenankan: Off-kan MCB lalu segel");
      }
      if (!/^[A-Z0-9][A-Z0-9/-]{2,29}$/.test(payload.seal_number)) errors.push("Nomor segel wajib diisi (3–30 huruf/angka)");
    }
    if (kind === "prepaid_sampling") {
      payload.credit_kwh = decimalOrNull(form.credit_kwh.value, "Sisa kWh", errors);
      if (payload.credit_kwh === null && !errors.length) errors.push("Sisa kWh wajib diisi");
    }
    if (kind === "notice") {
      payload.notice_outcome = form.notice_outcome.value;
      payload.initials = form.initials.value.trim();
      payload.note = form.notice_note.value.trim();
      if (payload.notice_outcome === "in_person" && !payload.initials && !signed) {
        errors.push("Diterima langsung: isi paraf/nama penerima atau tanda tangan");
      }
      // The server refuses the same (fieldwork check_notice_note); checked here before queueing.
      if (payload.notice_outcome === "other" && !payload.note) {
        errors.push("Keterangan Dll: tulis kondisi pelanggan atau informasi dari pelanggan");
      }
    }
    if (kind === "p2tl_inspection") {
      // The server refuses the same (fieldwork record_p2tl_inspection); checked before queueing.
      payload.inspection_finding = form.inspection_finding.value;
      payload.note = form.inspection_note.value.trim();
      if (payload.inspection_finding === "violation" && !payload.note) errors.push("Uraikan pelanggaran yang ditemukan");
    }
    if (kind === "survey") {
      payload.route_code = form.route_code.value.trim();
      payload.substation_code = form.substation_code.value.trim();
      payload.note = form.note.value.trim();
    }
    if (kind !== "survey" && !orderPhotos.length) errors.push("Ambil fotonya");
  }
  if (errors.length) { error.textContent = errors.join("; "); return; }
  const gps = await position();
  if (gps) Object.assign(payload, gps);
  // The server reads the first photo as the photo and the second as the signature.
  const signature = !failed && kind === "notice" ? await signaturePhoto() : null;
  const photos = failed ? [] : signature ? [...orderPhotos, signature] : orderPhotos;
  const refused = await enqueue({ id: uuid(), kind: "order", label: `${orderItem.reference} (${orderItem.customer.customer_id})`, payload, photos });
  if (refused) { error.textContent = refused; return; }
  const done = $("#order-done");
  done.textContent = savedOnPhone(`Hasil ${orderItem.reference}`);
  done.hidden = false;
  orderPhotos = [];
  clearSignature();
});

/* ---- Baca ulang: a reading sent back, read again with a photo ------------------------- */

let rereadItem = null;
let rereadPhotos = [];

async function startReread() {
  await takeEditing("reread");
  const form = $("#reread-form");
  form.reset();
  rereadPhotos = [];
  $("#reread-thumbs").replaceChildren();
  $("#reread-error").textContent = "";
  $("#reread-done").hidden = true;
  rereadItem = await pickedItem((kind) => kind === "reading");
  form.hidden = !rereadItem;
  const box = $("#reread-customer");
  if (!rereadItem) { box.textContent = "Pilih baca ulang dari daftar kerja."; return; }
  box.replaceChildren(el("strong", {}, `${rereadItem.title}`), customerCard(rereadItem.customer));
  const detail = rereadItem.detail;
  $("#reread-reason").textContent = `Alasan: ${detail.reason || "-"} · stan sebelumnya ${detail.previous_register_kwh} kWh`;
  await showEditing("reread");
}

EDITORS.reread = {
  screen: "reread",
  form: "#reread-form",
  fields: { photo_ids: ["#reread-photo"], photo: ["#reread-photo"], file: ["#reread-photo"], size: ["#reread-photo"] },
  restore(photos) {
    rereadPhotos = photos;
    showThumbs($("#reread-thumbs"), rereadPhotos);
  },
};

$("#reread-photo").addEventListener("change", async (event) => {
  rereadPhotos = await compressAll(Array.from(event.target.files).slice(0, 1));
  showThumbs($("#reread-thumbs"), rereadPhotos);
});

$("#reread-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const queued = await whyNotQueue("reread", workKey(rereadItem));
  if (queued) { $("#reread-error").textContent = queued; return; }
  const errors = [];
  const payload = { reading_id: rereadItem.id, version: rereadItem.version };
  payload.register_kwh = decimalOrNull(form.register_kwh.value, "Stan", errors);
  if (payload.register_kwh === null && !errors.length) errors.push("Stan wajib diisi");
  payload.anomaly_code = form.anomaly_code.value.trim().toUpperCase();
  if (!rereadPhotos.length) errors.push("Ambil foto stan");
  if (errors.length) { $("#reread-error").textContent = errors.join("; "); return; }
  $("#reread-error").textContent = "";
  const gps = await position();
  if (gps) Object.assign(payload, gps);
  const refused = await enqueue({ id: uuid(), kind: "reread", label: `${rereadItem.reference} (${rereadItem.customer.customer_id})`, payload, photos: rereadPhotos });
  if (refused) { $("#reread-error").textContent = refused; return; }
  const done = $("#reread-done");
  done.textContent = savedOnPhone(`Stan ${rereadItem.reference}`);
  done.hidden = false;
  rereadPhotos = [];
});

/* ---- KRN-2 key change (KCT, seed 003): the pair to enter and what the meter showed ------ */

let kctItem = null;

async function startKct() {
  await takeEditing("kct");
  const form = $("#kct-form");
  form.reset();
  $("#kct-error").textContent = "";
  $("#kct-zero-error").textContent = "";
  $("#kct-done").hidden = true;
  kctItem = await pickedItem((kind) => kind === "keychange");
  $("#kct-body").hidden = !kctItem;
  const box = $("#kct-customer");
  if (!kctItem) { box.textContent = "Pilih target KCT dari daftar kerja."; return; }
  const d = kctItem.detail;
  box.replaceChildren(
    el("strong", {}, `${kctItem.reference} — ${d.campaign}`),
    customerCard(kctItem.customer),
    el("div", { class: "meta" }, `Meter ${d.meter_number} · ${d.meter_brand} ${d.meter_model || ""} · KRN ${d.from_key_revision ?? "-"} → ${d.to_key_revision ?? "-"}`));
  $("#kct-tokens").replaceChildren(...d.tokens.map((token, i) => el("li", { "data-token": i + 1 }, token)));
  $("#kct-expected").textContent = d.expected_display || "(belum ada di tabel merk — hubungi admin unit, atau pakai token uji 0 kWh)";
  const test = d.test_token || (await cached(`kct-test:${kctItem.id}`)) || "";
  showTestToken(test);
  showKctFields();
  await showEditing("kct");
}

EDITORS.kct = {
  screen: "kct",
  form: "#kct-form",
  codes: { display_mismatch: "display" }, // the service's refusal of a display, without a field
  restore: () => showKctFields(),
};

function showTestToken(token) {
  const box = $("#kct-test-token");
  box.textContent = token ? `Token uji: ${token}` : "";
  box.hidden = !token;
}

function showKctFields() {
  const form = $("#kct-form");
  const result = form.result.value;
  for (const part of $$("#kct-form [data-when]")) part.hidden = part.dataset.when !== result;
  for (const part of $$("#kct-form [data-when-reason]")) part.hidden = part.dataset.whenReason !== form.reason.value;
}

for (const radio of $$("#kct-form input[name=result]")) radio.addEventListener("change", showKctFields);
$("#kct-reason").addEventListener("change", showKctFields);

$("#kct-zero-ask").addEventListener("click", async () => {
  const error = $("#kct-zero-error");
  error.textContent = "";
  if (!kctItem) return;
  try {
    const { data } = await api(`/kct-targets/${kctItem.id}/zero-token`, { method: "POST" });
    await cache(`kct-test:${kctItem.id}`, data.formatted);
    showTestToken(data.formatted);
  } catch (e) {
    error.textContent = isOffline(e)
      ? "Token uji butuh sinyal. Tanpa sinyal, isi tampilan 04 enter atau simpan Gagal."
      : e.message;
  }
});

$("#kct-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#kct-error");
  error.textContent = "";
  if (!kctItem) return;
  const queued = await whyNotQueue("kct", workKey(kctItem));
  if (queued) { error.textContent = queued; return; }
  const result = form.result.value;
  const payload = { target_id: kctItem.id, version: kctItem.version, result };
  const errors = [];
  if (result === "display") {
    payload.display = form.display.value.trim();
    if (!payload.display) errors.push("Tampilan 04 enter wajib diisi");
    const expected = kctItem.detail.expected_display;
    const squash = (text) => text.replace(/\s+/g, "").toUpperCase();
    if (payload.display && expected && squash(payload.display) !== squash(expected)) {
      errors.push(`Tampilan harus "${expected}". Bila meter tidak menampilkannya, KCT belum masuk: pilih Gagal`);
    }
  } else if (result === "zero_token") {
    payload.zero_token_answer = form.zero_token_answer.value;
    if ($("#kct-test-token").hidden) errors.push("Minta token uji 0 kWh dulu (butuh sinyal)");
    if (!payload.zero_token_answer) errors.push("Pilih jawaban meter atas token uji");
  } else {
    payload.reason = form.reason.value;
    payload.note = form.note.value.trim();
    if (!payload.reason) errors.push("Alasan gagal wajib dipilih");
    if (payload.reason === "parameters_changed") {
      payload.supply_group = form.supply_group.value.trim();
      payload.tariff_index = form.tariff_index.value.trim();
      if (payload.supply_group && !/^\d{6}$/.test(payload.supply_group)) errors.push("SGC harus 6 angka");
      if (payload.tariff_index && !/^\d{2}$/.test(payload.tariff_index)) errors.push("TI harus 2 angka");
    }
  }
  if (errors.length) { error.textContent = errors.join("; "); return; }
  const refused = await enqueue({ id: uuid(), kind: "kct", label: `${kctItem.reference} (${kctItem.customer.customer_id})`, payload, photos: [] });
  if (refused) { error.textContent = refused; return; }
  const done = $("#kct-done");
  done.textContent = savedOnPhone(`Hasil ${kctItem.reference}`);
  done.hidden = false;
});

/* ---- Prepaid installation (seed 002, Bab 2 step 5): the tokens, then the realisation ---- */

let installItem = null;
let installPhotos = { report_scan: [], contract_scan: [], photo: [] };

async function startInstall() {
  await takeEditing("install");
  const form = $("#install-form");
  form.reset();
  installPhotos = { report_scan: [], contract_scan: [], photo: [] };
  $("#install-thumbs").replaceChildren();
  $("#install-error").textContent = "";
  $("#install-done").hidden = true;
  installItem = await pickedItem((kind) => kind === "prepaid");
  $("#install-body").hidden = !installItem;
  const box = $("#install-customer");
  if (!installItem) { box.textContent = "Pilih pemasangan prabayar dari daftar kerja."; return; }
  const d = installItem.detail;
  const c = installItem.customer;
  box.replaceChildren(
    el("strong", {}, `${installItem.reference} — ${installItem.title}`),
    customerCard(c),
    el("div", { class: "meta" }, `${d.product_label} · tarif/daya baru ${d.tariff} / ${d.power_va} VA`));
  // The application's applicant and address, when they are not the customer's on record.
  if (d.applicant_name !== c.name || d.address !== c.address) {
    box.append(el("div", { class: "meta" }, `Pemohon: ${d.applicant_name}, ${d.address}`));
  }
  const meter = `${d.meter_brand} ${d.meter_model || ""} no. ${d.meter_number}`.replace(/\s+/g, " ");
  $("#install-meter").replaceChildren(
    el("dl", {},
      el("dt", {}, d.keeps_installed_meter ? "Meter tetap" : "Meter dipasang"), el("dd", { id: "install-meter-number" }, meter),
      el("dt", {}, "No pabrik"), el("dd", {}, d.meter_serial || "-"),
      d.meter_to_remove ? [el("dt", {}, "Meter dibongkar"), el("dd", {}, d.meter_to_remove)] : null));
  $("#install-tokens").replaceChildren(...d.tokens.map((t) => el("li", { "data-kind": t.kind },
    el("span", { class: "token-kind" }, t.kwh ? `${t.label} (${t.kwh.replace(".", ",")} kWh)` : t.label),
    el("span", { class: "token" }, t.token))));
  $("#install-date").value = localDate();
  $("#install-date").max = localDate();
  await showEditing("install");
}

EDITORS.install = {
  screen: "install",
  form: "#install-form",
  fields: {
    report_scan: ["#install-report"],
    contract_scan: ["#install-contract"],
    photo: ["#install-photo"],
    photo_ids: ["#install-report", "#install-contract"],
  },
  restore(photos) {
    // In the order the server reads them: BA pasang, SPJBTL, then the optional photo.
    installPhotos = { report_scan: photos.slice(0, 1), contract_scan: photos.slice(1, 2), photo: photos.slice(2, 3) };
    showInstallThumbs();
  },
};

function showInstallThumbs() {
  showThumbs($("#install-thumbs"), [...installPhotos.report_scan, ...installPhotos.contract_scan, ...installPhotos.photo]);
}

for (const [id, role] of [["#install-report", "report_scan"], ["#install-contract", "contract_scan"], ["#install-photo", "photo"]]) {
  $(id).addEventListener("change", async (event) => {
    installPhotos[role] = await compressAll(Array.from(event.target.files).slice(0, 1));
    showInstallThumbs();
  });
}

$("#install-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#install-error");
  error.textContent = "";
  if (!installItem) return;
  // A second tap (or a second visit) finds the first realisation in the queue.
  const queued = await whyNotQueue("install", workKey(installItem));
  if (queued) { error.textContent = queued; return; }
  const errors = [];
  const day = form.installed_on.value;
  if (!day) errors.push("Tanggal pasang wajib diisi");
  else if (day > localDate()) errors.push("Tanggal pasang tidak boleh di masa depan");
  else if (installItem.detail.ends_on && day > installItem.detail.ends_on) {
    errors.push(`Tanggal pasang melewati tanggal berakhir Penyambungan Sementara (${dayText(installItem.detail.ends_on)})`);
  }
  if (!installPhotos.report_scan.length) errors.push("Foto BA pasang yang ditandatangani wajib");
  if (!installPhotos.contract_scan.length) errors.push("Foto SPJBTL yang ditandatangani wajib");
  if (errors.length) { error.textContent = errors.join("; "); return; }
  // The server reads the photos in this order: BA pasang, SPJBTL, then the optional photo.
  const photos = [...installPhotos.report_scan, ...installPhotos.contract_scan, ...installPhotos.photo];
  const payload = { application_id: installItem.id, version: installItem.version, installed_on: day };
  const refused = await enqueue({ id: uuid(), kind: "install", label: `${installItem.reference} (${installItem.customer.customer_id})`, payload, photos });
  if (refused) { error.textContent = refused; return; }
  const done = $("#install-done");
  done.textContent = savedOnPhone(`Realisasi ${installItem.reference}`) + " PDL dikerjakan kantor.";
  done.hidden = false;
  installPhotos = { report_scan: [], contract_scan: [], photo: [] };
});

/* ---- Distribusi PK and Monitoring PK (need a connection) ----------------------------- */

async function loadDistribution() {
  const list = $("#distribute-list");
  const error = $("#distribute-error");
  error.textContent = "";
  $("#distribute-done").hidden = true;
  list.replaceChildren();
  try {
    const [{ data: orders }, { data: officers }] = await Promise.all([
      api("/work-orders?status=printed"), api("/officers")]);
    list.replaceChildren(...(orders.length ? orders.map((w) => el("li", {}, el("label", {},
      el("input", { type: "checkbox", value: w.id, "aria-label": w.number }),
      el("span", {}, el("strong", {}, w.number), el("div", {}, `${w.customer_id} — ${w.customer_name}`), el("div", { class: "meta" }, w.damage_type)))))
      : [el("li", { class: "muted" }, "Tidak ada PK yang menunggu distribusi.")]));
    $("#distribute-officer").replaceChildren(el("option", { value: "" }, "— pilih petugas —"),
      ...officers.map((o) => el("option", { value: o.id }, `${o.full_name} (${o.username})`)));
  } catch (e) {
    error.textContent = isOffline(e) ? "Distribusi PK butuh sinyal." : e.message;
  }
}

$("#distribute-send").addEventListener("click", async () => {
  const ids = $$("#distribute-list input:checked").map((box) => Number(box.value));
  const officer = Number($("#distribute-officer").value);
  const error = $("#distribute-error");
  error.textContent = "";
  if (!ids.length || !officer) { error.textContent = "Pilih PK dan petugasnya."; return; }
  try {
    const { data } = await api("/work-orders/assign", { method: "POST", json: { client_id: uuid(), work_order_ids: ids, officer_id: officer } });
    await loadDistribution();
    const done = $("#distribute-done");
    done.textContent = `${data.assigned.length} PK didistribusikan ke ${data.officer}: ${data.assigned.join(", ")}.`;
    done.hidden = false;
  } catch (e) {
    error.textContent = isOffline(e) ? "Tidak ada sinyal: coba lagi nanti." : e.message;
  }
});

let monitoringStatus = "assigned";

async function loadMonitoring() {
  for (const tab of $$("#screen-monitoring .tabs button")) tab.classList.toggle("active", tab.dataset.status === monitoringStatus);
  const list = $("#monitoring-list");
  $("#monitoring-error").textContent = "";
  try {
    const { data } = await api(`/work-orders?status=${monitoringStatus}`);
    list.replaceChildren(...(data.length ? data.map((w) => el("li", {}, el("strong", {}, w.number), " ", el("span", { class: "state" }, w.status_label),
      el("div", {}, `${w.customer_id} — ${w.customer_name}`), el("div", { class: "meta" }, `${w.damage_type} · ${w.assigned_to || "belum dibagi"} · cetak ${showTime(w.printed_at)}`)))
      : [el("li", { class: "muted" }, "Tidak ada PK.")]));
  } catch (e) {
    list.replaceChildren();
    $("#monitoring-error").textContent = isOffline(e) ? "Monitoring PK butuh sinyal." : e.message;
  }
}

for (const tab of $$("#screen-monitoring .tabs button")) {
  tab.addEventListener("click", () => { monitoringStatus = tab.dataset.status; loadMonitoring(); });
}

/* ---- Ganti Password, Kontak Kami ----------------------------------------------------- */

$("#password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#password-error");
  error.textContent = "";
  if (form.new_password.value !== form.new_password2.value) { error.textContent = "Ulangan password baru tidak sama."; return; }
  try {
    const { data } = await api("/me/password", { method: "POST", json: { old_password: form.old_password.value, new_password: form.new_password.value } });
    form.reset();
    $("#password-done").textContent = data.message;
    $("#password-done").hidden = false;
  } catch (e) {
    error.textContent = isOffline(e) ? "Ganti password butuh sinyal." : e.message;
  }
});

async function loadContacts() {
  let contacts = null;
  try { contacts = (await api("/contacts")).data; await cache("contacts", contacts); } catch { contacts = await cached("contacts"); }
  const card = $("#contact-card");
  if (!contacts) { card.replaceChildren(el("p", { class: "error" }, "Kontak belum tersimpan; buka lagi saat ada sinyal.")); return; }
  card.replaceChildren(el("h2", {}, contacts.unit || "Unit"), el("dl", {},
    el("dt", {}, "Telepon"), el("dd", {}, contacts.phone ? el("a", { href: `tel:${contacts.phone}` }, contacts.phone) : "-"),
    el("dt", {}, "Email"), el("dd", {}, contacts.email ? el("a", { href: `mailto:${contacts.email}` }, contacts.email) : "-"),
    el("dt", {}, "Alamat"), el("dd", {}, contacts.address || "-")));
}
