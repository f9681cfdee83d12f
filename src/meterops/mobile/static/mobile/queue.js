/* meterops field app, second part: Antrian Kirim (the queue), sending it, and correcting an
 * entry the server refused. Loaded after app.js, whose helpers it uses; it starts the app.
 *
 * An entry's queue key is its client id. The server stores the answer of a write it made and
 * never a refusal (docs/API.md, "Idempotent writes"), so a corrected entry goes again under the
 * same client id: the server does not take it for a replay of the refused one, and an answer
 * lost on the way back still cannot make the server write the entry twice.
 */
"use strict";

const STATE_LABELS = {
  pending: "Menunggu sinyal",
  sending: "Mengirim",
  sent: "Terkirim",
  failed: "Ditolak",
  conflict: "Bentrok",
};
const KIND_LABELS = {
  damage: "Data rusak",
  replacement: "Data ganti",
  order: "Hasil order",
  kct: "Hasil KCT",
  reread: "Baca ulang",
  install: "Realisasi pasang",
};

/* ---- Queue ---------------------------------------------------------------------------- */

let queuing = Promise.resolve();

/* Entries go into the queue one at a time, so a second tap finds the first one there.
   Answers "" when queued, else why not (in Indonesian, for the form's error line). */
function enqueue(item) {
  const next = queuing.then(() => putInQueue(item));
  queuing = next.catch(() => {});
  return next;
}

async function putInQueue(item) {
  const refusal = await whyNotQueue(item.kind, queuedKey(item));
  if (refusal) return refusal;
  const corrected = correcting(item.kind, queuedKey(item), await db.all("queue"));
  const now = new Date().toISOString();
  await db.put("queue", {
    ...item,
    id: corrected ? corrected.id : item.id,
    user: auth.user ? auth.user.id : null,
    state: "pending",
    error: "",
    refusal: null,
    result: null,
    created_at: corrected ? corrected.created_at : now,
    corrected_at: corrected ? now : null,
  });
  await showQueueCount();
  if (navigator.onLine) sync();
  return "";
}

/* Why an entry for this work-list item cannot go into the queue now, "" when it can. Forms
   ask first too, so a second tap hears this rather than a request for the photos again. */
async function whyNotQueue(kind, key) {
  const queue = await db.all("queue");
  const corrected = correcting(kind, key, queue);
  return corrected ? notAgain(corrected) : alreadyQueued(kind, key, queue);
}

/* The refused entry this one corrects (Perbaiki opened it on this screen), if any. */
function correcting(kind, key, queue) {
  if (!editing || editing.kind !== kind || queuedKey(editing) !== key) return null;
  return queue.find((q) => q.id === editing.id) || editing;
}

/* A corrected entry replaces its refused self, unless it left for the server meanwhile. */
function notAgain(entry) {
  if (entry.state === "sent") return "Data ini sudah terkirim; tidak disimpan lagi.";
  if (entry.state === "sending") return "Data ini sedang dikirim; tunggu jawabannya di Antrian Kirim.";
  return "";
}

/* One unsent entry per work-list item: a second one would be refused, or written twice. */
function alreadyQueued(kind, key, queue) {
  if (kind === "damage") return "";
  const twin = queue.find((q) => q.state !== "sent" && queuedKey(q) === key);
  if (!twin) return "";
  return twin.state === "failed"
    ? "Data ini sudah ada di Antrian Kirim dan ditolak server: buka Antrian Kirim, tekan Perbaiki."
    : "Data ini sudah ada di Antrian Kirim.";
}

async function showQueueCount() {
  const queue = await db.all("queue");
  const open = queue.filter((q) => q.state !== "sent").length;
  $("#queue-count").textContent = open ? String(open) : "";
}

async function renderQueue() {
  const queue = (await db.all("queue")).sort((a, b) => a.created_at.localeCompare(b.created_at));
  const open = queue.filter((q) => q.state !== "sent").length;
  $("#queue-summary").textContent = queue.length
    ? `${open} belum terkirim, ${queue.length - open} terkirim.`
    : "Antrian kosong.";
  $("#queue-list").replaceChildren(...queue.map((item) => el("li", { class: "queue-item", "data-kind": item.kind, "data-state": item.state },
    el("strong", {}, KIND_LABELS[item.kind] || item.kind), " ",
    el("span", { class: `state state-${item.state}` }, STATE_LABELS[item.state] || item.state),
    el("div", {}, item.label),
    el("div", { class: "meta" }, `Dibuat ${showTime(item.created_at)} · ${item.photos ? item.photos.length : 0} foto`
      + (item.corrected_at ? ` · diperbaiki ${showTime(item.corrected_at)}` : "")),
    item.result ? el("div", { class: "meta" }, item.result) : null,
    item.error || item.refusal ? el("p", { class: "error" }, refusalText(item)) : null,
    item.state === "conflict" ? conflictView(item) : null,
    queueActions(item))));
}

/* Refused: correct it (resending the same would be refused again). Bentrok: send it on the
   server's version. A transient failure (no signal, a server error): send again. */
function queueActions(item) {
  const button = (label, kind, action) => el("button", { type: "button", class: kind, onclick: action }, label);
  const discardButton = button("Hapus", "danger", () => discard(item.id));
  if (item.state === "failed") return el("div", { class: "row" }, button("Perbaiki", "primary", (event) => openForEditing(item.id, event.target)), discardButton);
  if (item.state === "conflict") return el("div", { class: "row" }, button("Kirim ulang", "secondary", () => retry(item.id)), discardButton);
  if (item.state === "pending" && item.error) return el("div", { class: "row" }, button("Kirim ulang", "secondary", () => retry(item.id)));
  return null;
}

function conflictView(item) {
  const server = item.conflict ? item.conflict.server : {};
  return el("div", { class: "conflict" },
    el("div", {}, el("strong", {}, "Data Anda"), el("pre", {}, JSON.stringify(item.payload, null, 1))),
    el("div", {}, el("strong", {}, "Data di server"), el("pre", {}, JSON.stringify(server, null, 1))));
}

async function retry(id) {
  const item = await db.get("queue", id);
  if (!item) return;
  if (item.state === "conflict" && item.conflict) item.payload.version = item.conflict.server.version;
  item.state = "pending";
  item.error = "";
  await db.put("queue", item);
  await renderQueue();
  sync();
}

async function discard(id) {
  if (!confirm("Hapus data ini dari antrian? Data tidak akan dikirim.")) return;
  await db.delete("queue", id);
  await renderQueue();
  await showQueueCount();
}

$("#queue-sync").addEventListener("click", () => sync());

/* ---- A refused entry: its reason, and its form again ---------------------------------- */

/* The entry being corrected on the screen now: set by Perbaiki, dropped by the next screen. */
let editing = null;

/* The form fields a refusal points at: the server's field, or where the entry's editor says
   the officer corrects it (a far final stan is refused on its reason, corrected on the stan). */
function refusedFields(item, { shown = true } = {}) {
  const editor = EDITORS[item.kind];
  const refusal = item.refusal;
  if (!editor || !refusal) return [];
  const field = (refusal.field || (editor.codes || {})[refusal.code] || "").split(".")[0];
  const form = $(editor.form);
  return ((editor.fields || {})[field] || [field])
    .map((name) => (name.startsWith("#") ? $(name) : form.elements[name]))
    .map((node) => (node instanceof RadioNodeList ? node[0] : node))
    // Of two fields with one name (a notice's note, a survey's note) the one the result shows.
    .filter((node) => node && !(shown && node.closest("[data-when][hidden], [data-when-reason][hidden]")));
}

/* A field's name as its form shows it, without the hint in brackets: "Stan akhir meter lama". */
function fieldLabel(node) {
  const label = node.closest("label");
  const words = label ? Array.from(label.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE) : [];
  return words.map((n) => n.textContent).join(" ").split(" (")[0].trim() || node.name;
}

function refusalText(item) {
  if (!item.refusal) return item.error;
  const fields = refusedFields(item, { shown: false }).map(fieldLabel);
  return `Ditolak server${fields.length ? ` (isian ${fields.join(", ")})` : ""}: ${item.refusal.message}`;
}

async function openForEditing(id, button) {
  const item = await db.get("queue", id);
  if (!item || item.state !== "failed") return renderQueue();
  if (item.kind !== "damage") {
    const work = await cached("worklist");
    const task = work && work.items.find((i) => workKey(i) === queuedKey(item));
    if (!task) {
      button.closest("li").append(el("p", { class: "error" },
        "Pekerjaan ini tidak ada lagi di daftar kerja HP: ambil daftar kerja saat ada sinyal, atau hapus data ini."));
      return undefined;
    }
    sessionStorage.setItem("mo.pick", `${task.kind}:${task.id}`);
  }
  sessionStorage.setItem("mo.edit", id);
  go(EDITORS[item.kind].screen);
  return undefined;
}

/* First thing an entry screen does: take the refused entry Perbaiki opened, or none. */
async function takeEditing(kind) {
  const id = sessionStorage.getItem("mo.edit");
  sessionStorage.removeItem("mo.edit");
  const item = id ? await db.get("queue", id) : null;
  editing = item && item.kind === kind && item.state === "failed" ? item : null;
  return editing;
}

/* Last thing: the form gets the entry's values and photos back, the refused field is marked. */
async function showEditing(kind) {
  const editor = EDITORS[kind];
  const form = $(editor.form);
  for (const node of $$("[aria-invalid]", form)) unmark(node);
  let note = $(".edit-note", form);
  if (!note) form.prepend((note = el("div", { class: "card edit-note", role: "status" })));
  note.hidden = !editing;
  if (!editing) return;
  fillForm(form, editing.payload, editor.names ? editor.names(editing.payload) : {});
  await editor.restore(editing.photos || []);
  const fields = refusedFields(editing);
  const reason = editing.refusal ? editing.refusal.message : editing.error;
  fields.forEach((node, i) => mark(node, i === 0 ? reason : ""));
  // The reason goes next to its field; without one (a refused state, an older entry), up here.
  note.textContent = "Memperbaiki data yang ditolak server; isian dan foto tetap tersimpan. "
    + (fields.length ? "Perbaiki yang ditandai, lalu simpan lagi." : `Alasan: ${reason}`);
  const step = fields.length ? fields[0].closest(".step") : null;
  if (step) showStep(form, step.dataset.step);
}

function fillForm(form, payload, names) {
  for (const [key, value] of Object.entries(payload)) {
    const field = form.elements[names[key] || key];
    if (!field || field.type === "file") continue;
    if (field.type === "checkbox") field.checked = Boolean(value);
    else field.value = value === null || value === undefined ? "" : String(value);
    // The screen shows what goes with the value (the customer, the fields of a result).
    const changed = field instanceof RadioNodeList ? Array.from(field).find((r) => r.checked) : field;
    for (const type of ["input", "change"]) changed && changed.dispatchEvent(new Event(type, { bubbles: true }));
  }
}

function mark(node, message) {
  node.setAttribute("aria-invalid", "true");
  const label = node.closest("label") || node;
  label.classList.add("invalid");
  if (message) label.after(el("p", { class: "error field-error" }, message));
}

function unmark(node) {
  node.removeAttribute("aria-invalid");
  const label = node.closest("label") || node;
  label.classList.remove("invalid");
  const next = label.nextElementSibling;
  if (next && next.classList.contains("field-error")) next.remove();
}

for (const type of ["input", "change"]) {
  document.addEventListener(type, (event) => {
    if (event.target.hasAttribute && event.target.hasAttribute("aria-invalid")) unmark(event.target);
  });
}

/* ---- Sending -------------------------------------------------------------------------- */

async function uploadPhoto(item, photo) {
  if (!photo.upload_id) {
    const { data } = await api("/photos", { method: "POST", json: { client_id: photo.client_id, file_name: photo.name, size: photo.blob.size } });
    photo.upload_id = data.id;
    await db.put("queue", item);
    if (data.complete) return data.id;
  }
  let { data: status } = await api(`/photos/${photo.upload_id}`);
  while (!status.complete) {
    const chunk = photo.blob.slice(status.received, status.received + CHUNK);
    try {
      status = (await api(`/photos/${photo.upload_id}/chunk?offset=${status.received}`, { method: "PUT", body: chunk })).data;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.body.received !== undefined) {
        status = (await api(`/photos/${photo.upload_id}`)).data; // resume where the server is
      } else {
        throw error;
      }
    }
  }
  return photo.upload_id;
}

const ENDPOINTS = {
  damage: () => "/damage-reports",
  replacement: () => "/replacements",
  order: (payload) => `/field-orders/${payload.order_id}/outcome`,
  kct: (payload) => `/kct-targets/${payload.target_id}/outcome`,
  reread: (payload) => `/readings/${payload.reading_id}/reread`,
  install: (payload) => `/prepaid-requests/${payload.application_id}/installation`,
};

function describe(item, data) {
  if (item.kind === "damage") return `Server: ${data.reference} (${data.state_label})`;
  if (item.kind === "replacement") return `Server: ${data.work_order} ${data.state_label}, meter ${data.new_meter_number}`;
  if (item.kind === "order") return `Server: ${data.reference} ${data.state_label}`;
  if (item.kind === "kct") return `Server: ${data.reference} ${data.state_label}`;
  if (item.kind === "reread") return `Server: ${data.reference} stan ${data.register_kwh} (${data.state_label})`;
  if (item.kind === "install") return `Server: ${data.reference} ${data.state_label}, ${data.tokens_entered} token masuk`;
  return "";
}

/* Why an entry is still waiting after a try that did not reach a decision: no signal, a
   server error (5xx) or an expired login. It is sent again by itself, or by Kirim ulang. */
function transientNote(error) {
  if (!(error instanceof ApiError)) return "Belum terkirim: sinyal putus. Dikirim lagi saat ada sinyal.";
  if (error.status === 401) return "Belum terkirim: login ulang, lalu data dikirim.";
  return `Belum terkirim: server sedang bermasalah (HTTP ${error.status}). Dikirim lagi otomatis.`;
}

function settle(item, error) {
  if (error.status === 409 && error.body.code === "conflict") {
    item.state = "conflict";
    item.conflict = { server: error.body.server };
    item.error = error.message;
    return;
  }
  item.state = "failed";
  item.refusal = { status: error.status, code: error.body.code || "", field: error.body.field || "", message: error.message };
  item.error = "";
}

let syncing = null;

function sync() {
  if (!syncing) syncing = runSync().finally(() => { syncing = null; });
  return syncing;
}

async function sendOne(item) {
  const photoIds = [];
  for (const photo of item.photos) photoIds.push(await uploadPhoto(item, photo));
  const { data } = await api(ENDPOINTS[item.kind](item.payload), { method: "POST", json: { client_id: item.id, ...item.payload, photo_ids: photoIds } });
  item.state = "sent";
  item.error = "";
  item.result = describe(item, data);
  item.sent_at = new Date().toISOString();
  for (const photo of item.photos) photo.blob = null; // the server has them; free the phone
  item.photos = item.photos.map(({ name, upload_id }) => ({ name, upload_id }));
}

async function runSync() {
  if (!auth.token) return;
  const me = auth.user ? auth.user.id : null;
  // An entry is sent only with the token of the officer who made it.
  const queue = (await db.all("queue")).filter((q) => q.user === me && (q.state === "pending" || q.state === "sending"))
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  let refused = false;
  for (const { id } of queue) {
    // Read again: the officer may have corrected or deleted it while the round went on.
    const item = await db.get("queue", id);
    if (!item || !["pending", "sending"].includes(item.state)) continue;
    item.state = "sending";
    await db.put("queue", item);
    if (current === "queue") await renderQueue();
    try {
      await sendOne(item);
    } catch (error) {
      if (isOffline(error) || error.status === 401) {
        item.state = "pending";
        item.error = transientNote(error);
        await db.put("queue", item);
        break; // no decision from the server: stop here, the rest waits for the next round
      }
      settle(item, error);
      refused = refused || item.state === "failed";
    }
    await db.put("queue", item);
    if (current === "queue") await renderQueue();
  }
  // A refusal may rest on facts newer than the phone's (a newer stan): the phone's own checks
  // use the server's when the officer corrects the entry.
  if (refused && navigator.onLine) await fetchWork({ whole: true }).catch(() => {});
  await showQueueCount();
  if (current === "queue") await renderQueue();
  if (current === "work" || current === "home") route();
}

/* ---- Start ---------------------------------------------------------------------------- */

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/m/" }).catch((e) => console.warn(e));
}
showNet();
route();
if (auth.token && navigator.onLine) sync();
setInterval(() => { if (navigator.onLine) sync(); }, 30000);
