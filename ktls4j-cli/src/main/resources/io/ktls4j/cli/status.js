//<![CDATA[
// ktls serve's status page: fetches the JSON of this same URL every two seconds, writes each figure into the
// element whose data-k names its path ("rate:PATH" is the change per second between the last two samples), and
// draws each svg[data-series] over the last five minutes of samples. Text goes in with textContent only.
"use strict";
(function () {
  const PERIOD = 2000, WINDOW = 300000, NS = "http://www.w3.org/2000/svg";
  const samples = [];
  let refreshes = 0;
  const state = document.getElementById("state");
  const get = (o, path) => path.split(".").reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), o);
  const unit = (v, units) => {
    let i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : 1)) + " " + units[i];
  };
  const fmt = {
    int: v => Math.round(v).toLocaleString("en-US"),
    bytes: v => unit(v, ["B", "KiB", "MiB", "GiB", "TiB"]),
    bytesps: v => unit(v, ["B/s", "KiB/s", "MiB/s", "GiB/s"]),
    persec: v => (v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US")) + "/s",
    duration: v => {
      const d = Math.floor(v / 86400), h = Math.floor(v % 86400 / 3600), m = Math.floor(v % 3600 / 60);
      return (d ? d + "d " : "") + (d || h ? h + "h " : "") + (d || h || m ? m + "m " : "") + Math.floor(v % 60) + "s";
    },
    text: v => (Array.isArray(v) ? v.join(", ") : String(v))
  };
  // the change of PATH per second from sample i-1 to sample i
  const perSecond = (path, i) => {
    const a = samples[i - 1], b = samples[i], dt = (b.t - a.t) / 1000, dv = get(b.d, path) - get(a.d, path);
    return dt > 0 && dv > 0 ? dv / dt : 0;
  };
  const value = (d, key) => key.startsWith("rate:")
    ? (samples.length < 2 ? undefined : perSecond(key.slice(5), samples.length - 1)) : get(d, key);
  const row = cells => {
    const tr = document.createElement("tr");
    cells.forEach(([text, cls]) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
    });
    return tr;
  };
  function draw(svg) {
    const key = svg.dataset.series, rate = key.startsWith("rate:"), path = rate ? key.slice(5) : key;
    const W = 300, H = 60, end = samples[samples.length - 1].t, pts = [];
    for (let i = rate ? 1 : 0; i < samples.length; i++) {
      const v = rate ? perSecond(path, i) : get(samples[i].d, path);
      if (typeof v === "number") pts.push([samples[i].t, v]);
    }
    const max = Math.max(1, ...pts.map(p => p[1]));
    let line = svg.querySelector("polyline");
    if (!line) { line = document.createElementNS(NS, "polyline"); svg.append(line); }
    line.setAttribute("points", pts.map(([t, v]) =>
      (W * (t - (end - WINDOW)) / WINDOW).toFixed(1) + "," + (H - 2 - (H - 4) * v / max).toFixed(1)).join(" "));
    svg.dataset.points = String(pts.length);
    const top = svg.parentElement.querySelector(".max");
    if (top) top.textContent = "max " + fmt[svg.dataset.f || "int"](max);
  }
  function render(d) {
    for (const el of document.querySelectorAll("[data-k]")) {
      const v = value(d, el.dataset.k);
      if (v === undefined || v === null) continue;
      el.textContent = fmt[el.dataset.f || (typeof v === "number" ? "int" : "text")](v);
      el.dataset.value = String(v);
    }
    for (const el of document.querySelectorAll("[data-carrier-of]")) {
      const h = get(d, "headline." + el.dataset.carrierOf);
      if (h) el.dataset.carrier = h.carrier;
    }
    for (const body of document.querySelectorAll("tbody[data-map]")) {
      const entries = Object.entries(get(d, body.dataset.map) || {}).sort((a, b) => b[1] - a[1]);
      body.replaceChildren(...(entries.length ? entries.map(([k, n]) => row([[k], [fmt.int(n), "n"]]))
        : [row([["none yet"], [""]])]));
    }
    for (const svg of document.querySelectorAll("svg[data-series]")) draw(svg);
  }
  async function refresh() {
    try {
      const r = await fetch(location.pathname, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!r.ok) throw new Error("HTTP " + r.status);
      const d = await r.json();
      const t = Date.now();
      samples.push({ t, d });
      while (samples[0].t < t - WINDOW) samples.shift();
      render(d);
      document.body.dataset.refreshes = String(++refreshes);
      state.textContent = "live, every " + PERIOD / 1000 + " s";
      state.dataset.state = "live";
    } catch (e) {
      state.textContent = "not refreshed since " + new Date().toLocaleTimeString() + ": " + e.message
        + " (is ktls serve still running?)";
      state.dataset.state = "stale";
    } finally {
      setTimeout(refresh, PERIOD);
    }
  }
  document.getElementById("here").textContent = location.origin + location.pathname;
  refresh();
})();
//]]>
