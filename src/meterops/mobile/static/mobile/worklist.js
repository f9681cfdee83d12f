/* The work list, fetched again cheaply (issue #22). The phone keeps the server's ETag and
   generated_at with its list; it asks with If-None-Match and since: an unchanged list answers
   304 without a body, a changed one only the items changed since, with the ids of every item
   still on the list so the phone drops the others. Offline the kept list stays as it is. */

let workFetch = null;

/* Start-up, the screen and a tap ask at once: one request answers them all, and the next
   one asks with what that one brought. ``whole`` skips the validator: the facts the phone's
   checks use (the last stan of a PK's meter) are no part of an item's version, so after the
   server refused an entry on newer facts only the whole list brings them. */
function fetchWork({ whole = false } = {}) {
  if (workFetch && !whole) return workFetch;
  const before = workFetch ? workFetch.catch(() => {}) : Promise.resolve();
  const mine = before.then(() => refetchWork(whole));
  const clear = () => { if (workFetch === mine) workFetch = null; };
  workFetch = mine;
  mine.then(clear, clear);
  return mine;
}

async function refetchWork(whole) {
  const held = whole ? null : await heldWork();
  let answer = await askWork(held);
  if (answer.status === 304) {
    const checked = { ...held, checked_at: new Date().toISOString() };
    await cache("worklist", checked);
    if (current === "work") await renderWork();
    return checked;
  }
  let list = answer.data.ids ? mergeWork(held, answer.data) : answer.data;
  if (!list) {
    // An item the phone never had came with an older version (a PK handed over from another
    // officer): only the whole list brings it.
    answer = await askWork(null);
    list = answer.data;
  }
  list.etag = answer.headers.get("ETag");
  list.user = auth.user ? auth.user.id : null;
  await cache("worklist", list);
  for (const item of answer.data.items) await cache(`customer:${item.customer.customer_id}`, item.customer);
  if (current === "work") await renderWork();
  return list;
}

/* The kept list, if it was fetched for this user with a validator to send back. */
async function heldWork() {
  const held = await cached("worklist");
  const user = auth.user;
  return held && held.etag && user && held.user === user.id ? held : null;
}

function askWork(held) {
  if (!held) return api("/work-list");
  const since = encodeURIComponent(held.generated_at);
  return api(`/work-list?since=${since}`, { headers: { "If-None-Match": held.etag } });
}

/* The kept list with the delta's items put in and the items no longer listed taken out, in
   the server's order; null when the delta names an item the phone does not have. */
function mergeWork(held, delta) {
  const key = (item) => `${item.kind}:${item.id}`;
  const items = new Map(held.items.map((item) => [key(item), item]));
  for (const item of delta.items) items.set(key(item), item);
  if (delta.ids.some((id) => !items.has(id))) return null;
  const merged = delta.ids.map((id) => items.get(id)).sort(byAssignment);
  return { generated_at: delta.generated_at, items: merged };
}

function byAssignment(a, b) {
  if ((a.assigned_at === null) !== (b.assigned_at === null)) return a.assigned_at === null ? 1 : -1;
  const at = a.assigned_at === null ? 0 : Date.parse(a.assigned_at) - Date.parse(b.assigned_at);
  return at || a.id - b.id;
}
