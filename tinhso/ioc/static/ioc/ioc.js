/* The operations center's pages (dashboard and wall mode), on htmx, ECharts and Leaflet.
 *
 * No inline script or style (the CSP forbids them): data comes in data-* attributes and
 * json_script elements. What this file does:
 *   live     listens to the server-sent events of /trung-tam-dieu-hanh/su-kien/; when the read
 *            models' version differs from the one the page knows, fires "ioc:refresh" on <body>,
 *            and every panel (hx-trigger="ioc:refresh from:body") fetches itself again;
 *   panels   swaps the panels' 4xx answers (they explain themselves: sign in, not your agency),
 *            keeps open "ⓘ" explanations open across refreshes, moves focus to a breakdown the
 *            reader asked for;
 *   charts   draws each [data-ioc-chart] from its json_script (ECharts, canvas);
 *   map      one Leaflet map, its circles redrawn from the units panel's json_script; no tile
 *            layer unless IOC_MAP_TILES_URL is set (plain background);
 *   wall     rotates the [data-ioc-slide] sections every data-ioc-rotate seconds, skipping
 *            those with nothing to show (data-ioc-empty). */
(function () {
  "use strict";

  var root = document.getElementById("ioc-root");
  if (!root) {
    return;
  }
  var isWall = root.hasAttribute("data-ioc-rotate");
  var lang = document.documentElement.lang || "vi";
  var numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) {
      return null;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  /* ---- Panels ------------------------------------------------------------------------------ */

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("X-IOC-Panel")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    // Remember which explanations are open in the panel about to be replaced.
    var target = event.detail.target;
    if (target) {
      var open = [];
      target.querySelectorAll("details[open][data-ioc-keep]").forEach(function (d) {
        open.push(d.getAttribute("data-ioc-keep"));
      });
      keptOpen[target.id] = open;
    }
  });

  var keptOpen = {};

  function restoreOpen(elt) {
    var open = keptOpen[elt.id];
    if (!open || !open.length) {
      return;
    }
    elt.querySelectorAll("details[data-ioc-keep]").forEach(function (d) {
      if (open.indexOf(d.getAttribute("data-ioc-keep")) !== -1) {
        d.open = true;
      }
    });
    delete keptOpen[elt.id];
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var config = event.detail.requestConfig || {};
    var trigger = config.triggeringEvent;
    // A breakdown the reader asked for (a click), not one refreshed by the live stream.
    if (trigger && trigger.type === "click") {
      var panel = document.getElementById("ioc-breakdown");
      var heading = panel ? panel.querySelector("[data-focus]") : null;
      if (heading && config.target && config.target.id === "ioc-breakdown") {
        heading.focus();
        if (heading.scrollIntoView) {
          heading.scrollIntoView({ block: "start" });
        }
      }
    }
  });

  /* ---- Live -------------------------------------------------------------------------------- */

  var live = root.querySelector("[data-ioc-live]");
  var liveText = live ? live.querySelector("[data-ioc-live-text]") : null;
  var version = root.getAttribute("data-ioc-version") || "";
  var refreshTimer = null;
  var pendingWhileHidden = false;

  function setLive(state, extra) {
    if (!live || !liveText) {
      return;
    }
    live.setAttribute("data-state", state);
    var text = live.getAttribute("data-text-" + state) || "";
    liveText.textContent = extra ? text + " " + extra : text;
  }

  function refresh() {
    if (document.hidden) {
      pendingWhileHidden = true;
      return;
    }
    if (refreshTimer) {
      return;
    }
    // Several changes in a burst (a dossier received, then its payment) make one refresh.
    refreshTimer = window.setTimeout(function () {
      refreshTimer = null;
      if (window.htmx) {
        window.htmx.trigger(document.body, "ioc:refresh");
      }
      setLive("updated", new Date().toLocaleTimeString(lang));
    }, 300);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && pendingWhileHidden) {
      pendingWhileHidden = false;
      refresh();
    }
  });

  function connect() {
    var url = root.getAttribute("data-ioc-stream");
    if (!url || !window.EventSource) {
      return;
    }
    var source = new EventSource(url);
    source.addEventListener("open", function () {
      if (!live || live.getAttribute("data-state") !== "updated") {
        setLive("live");
      }
    });
    source.addEventListener("version", function (event) {
      var latest = String(event.data || "").trim();
      if (latest && latest !== version) {
        version = latest;
        root.setAttribute("data-ioc-version", latest);
        refresh();
      }
    });
    source.addEventListener("error", function () {
      // The server ends each response after about a minute and the browser reconnects by itself
      // (readyState CONNECTING); only a closed source needs a new one.
      if (source.readyState === EventSource.CLOSED) {
        setLive("off");
        window.setTimeout(connect, 5000);
      }
    });
    root.iocSource = source;
  }

  /* ---- Charts ------------------------------------------------------------------------------ */

  var charts = [];

  function label(period, grain) {
    var parts = String(period).split("-");
    if (grain === "month") {
      return parts[1] + "/" + parts[0];
    }
    return parts[2] + "/" + parts[1];
  }

  function formatValue(value, unit) {
    if (value === null || value === undefined) {
      return "—";
    }
    return numbers.format(value) + (unit === "percent" ? " %" : "");
  }

  function drawChart(el) {
    if (!window.echarts || el.getAttribute("data-ioc-drawn")) {
      return;
    }
    var data = readJSON(el.getAttribute("data-ioc-chart"));
    if (!data) {
      return;
    }
    el.setAttribute("data-ioc-drawn", "1");
    var chart = window.echarts.init(el, isWall ? "dark" : null, { renderer: "canvas" });
    var accent = isWall ? "#6cb4ff" : "#0b5cad";
    chart.setOption({
      backgroundColor: "transparent",
      animation: !isWall,
      textStyle: { fontSize: isWall ? 18 : 12 },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        valueFormatter: function (value) {
          return formatValue(value, data.unit);
        }
      },
      xAxis: {
        type: "category",
        data: data.labels.map(function (p) {
          return label(p, data.grain);
        }),
        axisLabel: { fontSize: isWall ? 16 : 11 }
      },
      yAxis: {
        type: "value",
        min: 0,
        max: data.unit === "percent" ? 100 : null,
        minInterval: data.unit === "count" ? 1 : null,
        axisLabel: {
          fontSize: isWall ? 16 : 11,
          formatter: function (value) {
            return formatValue(value, data.unit);
          }
        }
      },
      series: [
        {
          name: data.name,
          type: data.grain === "day" ? "line" : "bar",
          data: data.values,
          connectNulls: false,
          showSymbol: data.values.length <= 31,
          itemStyle: { color: accent },
          lineStyle: { width: isWall ? 4 : 2 }
        }
      ]
    });
    charts.push({ el: el, chart: chart });
  }

  function pruneCharts() {
    charts = charts.filter(function (item) {
      if (!document.body.contains(item.el)) {
        item.chart.dispose();
        return false;
      }
      return true;
    });
  }

  function resizeCharts() {
    charts.forEach(function (item) {
      item.chart.resize();
    });
  }

  window.addEventListener("resize", resizeCharts);

  /* ---- Map --------------------------------------------------------------------------------- */

  var map = null;
  var layer = null;

  function initMap() {
    var el = document.getElementById("ioc-map");
    if (!el || !window.L || map) {
      return;
    }
    var cfg = readJSON(el.getAttribute("data-ioc-map")) || {};
    map = window.L.map(el, {
      zoomSnap: 0.25,
      attributionControl: Boolean(cfg.tileUrl),
      scrollWheelZoom: false
    });
    if (cfg.tileUrl) {
      window.L.tileLayer(cfg.tileUrl, { maxZoom: 18, attribution: cfg.attribution || "" }).addTo(map);
    } else {
      el.classList.add("ioc-map-offline");
    }
    window.L.control.scale({ imperial: false }).addTo(map);
    map.fitBounds(cfg.extent || [[9.5, 105.3], [10.1, 106.0]]);
    layer = window.L.layerGroup().addTo(map);
  }

  function popup(point) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = point.name;
    var value = document.createElement("div");
    value.textContent = point.value;
    box.appendChild(name);
    box.appendChild(value);
    return box;
  }

  function drawMap(data) {
    initMap();
    if (!map || !data) {
      return;
    }
    layer.clearLayers();
    (data.points || []).forEach(function (point) {
      var province = point.level === "province";
      var marker = window.L.circleMarker([point.lat, point.lon], {
        radius: 6 + 22 * Math.sqrt(Math.max(0, point.weight || 0)),
        color: isWall ? "#0d1117" : "#ffffff",
        weight: 1.5,
        dashArray: province ? "4 3" : null,
        fillColor: province ? "#a3161a" : (isWall ? "#3b8eea" : "#0b5cad"),
        fillOpacity: province ? 0.45 : 0.8
      });
      marker.bindTooltip(point.value, {
        permanent: true,
        direction: "top",
        className: "ioc-map-label"
      });
      marker.bindPopup(popup(point));
      marker.addTo(layer);
    });
  }

  /* ---- New content: charts and map data in whatever htmx (or the page) brought in ------------ */

  function onContent(elt) {
    if (!elt || !elt.querySelectorAll) {
      return;
    }
    pruneCharts();
    var found = elt.matches && elt.matches("[data-ioc-chart]") ? [elt] : [];
    elt.querySelectorAll("[data-ioc-chart]").forEach(function (el) {
      found.push(el);
    });
    found.forEach(drawChart);
    if (elt.id && keptOpen[elt.id]) {
      restoreOpen(elt);
    }
    var mapData = elt.id === "ioc-map-data" ? elt : elt.querySelector("#ioc-map-data");
    if (mapData) {
      drawMap(readJSON("ioc-map-data"));
    }
  }

  /* ---- Wall mode --------------------------------------------------------------------------- */

  function startWall() {
    var seconds = parseInt(root.getAttribute("data-ioc-rotate"), 10) || 20;
    var slides = Array.prototype.slice.call(root.querySelectorAll("[data-ioc-slide]"));
    var dots = root.querySelector("[data-ioc-dots]");
    var current = -1;

    function usable(slide) {
      return !slide.querySelector("[data-ioc-empty]");
    }

    function drawDots() {
      if (!dots) {
        return;
      }
      dots.textContent = "";
      slides.forEach(function (slide, index) {
        if (!usable(slide)) {
          return;
        }
        var dot = document.createElement("li");
        var heading = slide.querySelector("h2");
        dot.textContent = heading ? heading.textContent : String(index + 1);
        if (index === current) {
          dot.setAttribute("aria-current", "step");
        }
        dots.appendChild(dot);
      });
    }

    function show(index) {
      slides.forEach(function (slide, i) {
        slide.classList.toggle("is-active", i === index);
      });
      current = index;
      drawDots();
      // A chart or a map drawn while hidden has no size: give them the visible one.
      window.setTimeout(function () {
        resizeCharts();
        if (map) {
          map.invalidateSize();
          var cfg = readJSON("ioc-map-config") || {};
          if (cfg.extent) {
            map.fitBounds(cfg.extent);
          }
        }
      }, 50);
    }

    function next() {
      for (var step = 1; step <= slides.length; step += 1) {
        var index = (current + step) % slides.length;
        if (usable(slides[index])) {
          show(index);
          return;
        }
      }
    }

    next();
    window.setInterval(next, seconds * 1000);
    var clock = root.querySelector("[data-ioc-clock]");
    if (clock) {
      var tick = function () {
        clock.textContent = new Date().toLocaleString(lang, {
          hour: "2-digit",
          minute: "2-digit",
          day: "2-digit",
          month: "2-digit",
          year: "numeric"
        });
      };
      tick();
      window.setInterval(tick, 15000);
    }
  }

  /* ---- Start ------------------------------------------------------------------------------- */

  if (window.htmx) {
    window.htmx.onLoad(onContent);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      onContent(document.body);
    });
  }
  if (isWall) {
    startWall();
  }
  connect();
})();
