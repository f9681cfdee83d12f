// Peta RBM: the route's customers in reading order, coloured by their latest reading's state.
// No tiles are needed: without a tile server the map draws only the points and the route line.
(function () {
  "use strict";
  var element = document.getElementById("route-map");
  var data = document.getElementById("route-points");
  if (!element || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent).filter(function (p) { return p.lat !== null; });
  var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
  var tileUrl = element.dataset.tileUrl;
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 20 }).addTo(map); }
  if (!points.length) { map.setView([-2.5, 118], 4); element.dataset.ready = "0"; return; }
  var line = points.map(function (p) { return [p.lat, p.lng]; });
  L.polyline(line, { color: "#6c757d", weight: 2, dashArray: "4 4" }).addTo(map);
  points.forEach(function (p) {
    L.circleMarker([p.lat, p.lng], {
      radius: 8, color: "#fff", weight: 1, fillColor: p.colour, fillOpacity: 0.95,
      className: "route-point route-state-" + (p.state || "none"),
    }).bindTooltip(String(p.seq || "") + " · " + p.idpel + " · " + p.state_label).addTo(map);
  });
  map.fitBounds(L.latLngBounds(line).pad(0.2));
  element.dataset.ready = String(points.length);
})();
