/* Maps of the field-report pages, on the vendored Leaflet.
 *
 * No inline script (the CSP forbids it): each map is a <div data-fb-map="..." data-config="id">
 * whose configuration is a json_script element. Kinds:
 *   browse  markers of the public reports, fetched from the JSON endpoint and refreshed when the
 *           map moves (only the part in view is asked for);
 *   point   one report's location;
 *   picker  the submission form: a click sets the latitude/longitude fields, typing in them moves
 *           the marker, "use my location" asks the browser.
 * Without a tile server (MAP_TILE_URL empty, the default on closed government networks) there is no
 * background map: markers are drawn over a plain background with the province's approximate
 * frame (bounding boxes: the platform has no boundary data). */
(function () {
  "use strict";

  function readConfig(el) {
    var node = document.getElementById(el.getAttribute("data-config"));
    return node ? JSON.parse(node.textContent) : {};
  }

  function format(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  function inProvince(cfg, lat, lon) {
    return (cfg.boxes || []).some(function (b) {
      return lat >= b[0][0] && lat <= b[1][0] && lon >= b[0][1] && lon <= b[1][1];
    });
  }

  function baseMap(el, cfg) {
    var map = L.map(el, { zoomSnap: 0.5, attributionControl: Boolean(cfg.tileUrl) });
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: cfg.attribution || "" }).addTo(map);
    } else {
      el.classList.add("fb-map-offline");
      (cfg.boxes || []).forEach(function (box) {
        L.rectangle(box, { color: "#6b7785", weight: 1.5, dashArray: "5 5", fill: false, interactive: false }).addTo(map);
      });
    }
    L.control.scale({ imperial: false }).addTo(map);
    map.fitBounds(cfg.extent);
    return map;
  }

  function markerStyle(cfg, status, overdue) {
    return {
      radius: 7,
      color: overdue ? "#1b1f24" : "#ffffff",
      weight: overdue ? 3 : 1.5,
      fillColor: (cfg.colors || {})[status] || "#0b5cad",
      fillOpacity: 0.9
    };
  }

  function popup(item) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = item.category;
    var line = document.createElement("div");
    line.textContent = item.id + " · " + item.status_label;
    var link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.id;
    link.setAttribute("aria-label", item.category + " " + item.id);
    box.appendChild(title);
    box.appendChild(line);
    box.appendChild(link);
    return box;
  }

  function browse(el, cfg) {
    var map = baseMap(el, cfg);
    var layer = L.layerGroup().addTo(map);
    var status = document.getElementById("fb-map-status");
    var query = el.getAttribute("data-query") || "";
    var timer = null;
    var generation = 0;
    var first = true;
    var labels = cfg.labels || {};

    function load() {
      var b = map.getBounds();
      var bbox = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function (v) { return v.toFixed(6); });
      var url = cfg.markersUrl + "?" + (query ? query + "&" : "") + "bbox=" + bbox.join(",");
      var mine = ++generation;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          if (mine !== generation) { return; }  // an older answer arriving late
          layer.clearLayers();
          data.items.forEach(function (item) {
            L.circleMarker([item.lat, item.lon], markerStyle(cfg, item.status, item.overdue))
              .bindPopup(popup(item))
              .addTo(layer);
          });
          if (status) {
            status.textContent = format(data.truncated ? labels.truncated : labels.shown, { shown: data.shown });
          }
          if (first && data.items.length) {
            // Open on the reports rather than on the whole province (the next move reloads them).
            first = false;
            var bounds = L.latLngBounds(data.items.map(function (item) { return [item.lat, item.lon]; }));
            map.fitBounds(bounds, { padding: [30, 30], maxZoom: cfg.tileUrl ? 15 : 10, animate: false });
          }
          first = false;
          el.setAttribute("data-loaded", String(data.shown));
        })
        .catch(function () {
          if (status) { status.textContent = labels.error || ""; }
        });
    }

    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 250);
    });
    load();
  }

  function point(el, cfg) {
    var map = baseMap(el, cfg);
    if (!cfg.point) { return; }
    L.circleMarker(cfg.point, markerStyle(cfg, cfg.status, false)).addTo(map);
    map.setView(cfg.point, cfg.tileUrl ? 16 : 10);
  }

  function picker(el, cfg) {
    var map = baseMap(el, cfg);
    var lat = document.getElementById("fb-latitude");
    var lon = document.getElementById("fb-longitude");
    var status = document.getElementById("fb-map-status");
    var locate = document.getElementById("fb-locate");
    var labels = cfg.labels || {};
    var marker = null;

    function show(la, lo, pan) {
      var where = [la, lo];
      if (marker) {
        marker.setLatLng(where);
      } else {
        marker = L.circleMarker(where, markerStyle(cfg, "new", false)).addTo(map);
      }
      if (pan) { map.setView(where, Math.max(map.getZoom(), cfg.tileUrl ? 16 : 11)); }
      if (status) {
        status.textContent = inProvince(cfg, la, lo)
          ? format(labels.picked, { lat: la.toFixed(6), lon: lo.toFixed(6) })
          : labels.outside || "";
      }
    }

    function set(la, lo, pan) {
      lat.value = la.toFixed(6);
      lon.value = lo.toFixed(6);
      show(la, lo, pan);
    }

    function fromFields() {
      var la = parseFloat(String(lat.value).replace(",", "."));
      var lo = parseFloat(String(lon.value).replace(",", "."));
      if (isFinite(la) && isFinite(lo) && Math.abs(la) <= 90 && Math.abs(lo) <= 180) {
        show(la, lo, true);
      }
    }

    map.on("click", function (event) { set(event.latlng.lat, event.latlng.lng, false); });
    lat.addEventListener("change", fromFields);
    lon.addEventListener("change", fromFields);
    if (lat.value && lon.value) { fromFields(); }

    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        if (status) { status.textContent = labels.locating || ""; }
        navigator.geolocation.getCurrentPosition(
          function (position) { set(position.coords.latitude, position.coords.longitude, true); },
          function () { if (status) { status.textContent = labels.locateFailed || ""; } },
          { enableHighAccuracy: true, timeout: 15000 }
        );
      });
    }
  }

  var KINDS = { browse: browse, point: point, picker: picker };

  function init() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-fb-map]").forEach(function (el) {
      var kind = KINDS[el.getAttribute("data-fb-map")];
      if (kind && !el.getAttribute("data-ready")) {
        el.setAttribute("data-ready", "1");
        kind(el, readConfig(el));
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
