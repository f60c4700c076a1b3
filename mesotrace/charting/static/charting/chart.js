/* Session charting on the body map: set a syringe once, click to add points, submit once.
   No dependencies; the page's data comes from the #chart-config JSON. The server re-checks
   everything this script lets through. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var config = JSON.parse(document.getElementById("chart-config").textContent);
  var form = document.getElementById("chart-form");
  var hidden = form.querySelector("input[name=injections]");
  var points = [];
  var rows = [];

  function byId(id) { return document.getElementById(id); }
  function round(value, places) { var f = Math.pow(10, places); return Math.round(value * f) / f; }
  /* A number typed with a decimal comma (French) or point. */
  function decimal(text) { return parseFloat(String(text).trim().replace(",", ".")); }
  function fixed(value, places) { return round(value, places).toFixed(places); }
  /* A number shown to the reader: the page's decimal separator (72,5 in French). */
  function shown(value, places) {
    var text = fixed(value, places);
    return document.documentElement.lang === "fr" ? text.replace(".", ",") : text;
  }
  function option(value, label, selected) {
    var o = document.createElement("option");
    o.value = value; o.textContent = label; o.selected = !!selected;
    return o;
  }
  function productById(id) {
    for (var i = 0; i < config.products.length; i++) {
      if (String(config.products[i].id) === String(id)) { return config.products[i]; }
    }
    return null;
  }
  function say(text) { byId("syringe-message").textContent = text; }
  /* A sentence of the page's language (config.words), its %(name)s placeholders filled. */
  function word(key, values) {
    var text = config.words[key];
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(values[name]));
    });
    return text;
  }

  /* --- The syringe's mix ------------------------------------------------------------ */

  /* `chosen`: the lot to show selected (the lot of points kept after a refusal); else the
     earliest expiry, which the server lists first. */
  function fillLots(select, product, chosen) {
    select.textContent = "";
    if (!product || !product.lots.length) {
      select.appendChild(option("", word("no_usable_lot"), true));
      return;
    }
    var known = product.lots.some(function (lot) { return String(lot.id) === String(chosen); });
    product.lots.forEach(function (lot, index) {
      var label = word(lot.held ? "lot_held" : "lot", { number: lot.number, expiry: lot.expiry, on_hand: lot.on_hand });
      select.appendChild(option(lot.id, label, known ? String(lot.id) === String(chosen) : index === 0));
    });
    select.dataset.lot = select.value;
  }

  /* A lot changed in the syringe moves the points charted with the old lot to the new one,
     so a refused lot can be swapped without redrawing every point. */
  function moveLot(productId, from, to) {
    var moved = 0;
    points.forEach(function (point) {
      (point.components || []).forEach(function (c) {
        if (String(c.product_id) === String(productId) && String(c.lot_id) === String(from)) {
          c.lot_id = Number(to); moved += 1;
        }
      });
    });
    if (moved) {
      say(word(moved === 1 ? "moved_one" : "moved_many", { count: moved }));
      draw();
    }
  }

  function addRow(productId, lotId) {
    var row = document.createElement("div");
    row.className = "mix-row";
    var n = rows.length + 1;
    row.innerHTML =
      '<div><label for="mix-product-' + n + '"></label><select id="mix-product-' + n + '"></select></div>' +
      '<div><label for="mix-lot-' + n + '"></label><select id="mix-lot-' + n + '"></select></div>' +
      '<div><label for="mix-share-' + n + '"></label><input id="mix-share-' + n + '" type="text" inputmode="decimal" value="1"></div>' +
      '<div><button type="button" class="link"></button></div>';
    var labels = row.querySelectorAll("label");
    labels[0].textContent = word("product"); labels[1].textContent = word("lot_heading");
    labels[2].textContent = word("ml_in_syringe");
    row.querySelector("button").textContent = word("remove");
    var product = row.querySelector("select[id^=mix-product]");
    var lot = row.querySelector("select[id^=mix-lot]");
    config.products.forEach(function (p) { product.appendChild(option(p.id, p.name, String(p.id) === String(productId))); });
    fillLots(lot, productById(product.value), lotId);
    product.addEventListener("change", function () { fillLots(lot, productById(product.value)); });
    lot.addEventListener("change", function () {
      var from = lot.dataset.lot;
      lot.dataset.lot = lot.value;
      moveLot(product.value, from, lot.value);
    });
    row.querySelector("button").addEventListener("click", function () {
      rows = rows.filter(function (r) { return r !== row; });
      row.remove();
    });
    byId("mix").appendChild(row);
    rows.push(row);
  }

  /* The current syringe: each product's lot and its share of every point's volume. */
  function syringe() {
    var perPoint = decimal(byId("volume-per-point").value);
    if (!(perPoint > 0)) { say(word("give_volume")); return null; }
    var parts = [];
    var total = 0;
    for (var i = 0; i < rows.length; i++) {
      var productId = rows[i].querySelector("select[id^=mix-product]").value;
      var lotId = rows[i].querySelector("select[id^=mix-lot]").value;
      var share = decimal(rows[i].querySelector("input").value);
      if (!lotId) { say(word("choose_lot", { product: productById(productId).name })); return null; }
      if (!(share > 0)) { say(word("give_share")); return null; }
      parts.push({ product_id: Number(productId), lot_id: Number(lotId), share: share });
      total += share;
    }
    if (!parts.length) { say(word("add_product")); return null; }
    var components = parts.map(function (part) {
      return { product_id: part.product_id, lot_id: part.lot_id, volume_ml: fixed(perPoint * part.share / total, 3) };
    });
    if (components.some(function (c) { return parseFloat(c.volume_ml) <= 0; })) {
      say(word("share_rounds"));
      return null;
    }
    return {
      depth_mm: fixed(decimal(byId("depth").value), 1),
      needle_gauge: parseInt(byId("gauge").value, 10),
      needle_length_mm: fixed(decimal(byId("needle-length").value), 1),
      technique: byId("technique").value,
      components: components
    };
  }

  /* --- Points on the map ------------------------------------------------------------ */

  function zoneName(zone) { return (config.zones[zone] || { name: zone }).name; }

  function mapOf(view) { return document.querySelector("svg.bodymap[data-view='" + view + "']"); }

  function draw() {
    document.querySelectorAll("svg.bodymap .points").forEach(function (g) { g.textContent = ""; });
    points.forEach(function (point, index) {
      var svg = mapOf(point.view);
      if (!svg) { return; }
      var w = Number(svg.dataset.width), h = Number(svg.dataset.height);
      var dot = document.createElementNS(SVG_NS, "circle");
      dot.setAttribute("class", "point");
      dot.setAttribute("cx", fixed(point.x * w, 2));
      dot.setAttribute("cy", fixed(point.y * h, 2));
      dot.setAttribute("r", "2.6");
      dot.dataset.index = String(index);
      var title = document.createElementNS(SVG_NS, "title");
      var name = "#" + (index + 1) + " " + zoneName(point.zone);
      title.textContent = word("point_title", { point: name });
      dot.appendChild(title);
      /* From the keyboard: Tab to a point, Enter or Delete removes it. */
      dot.setAttribute("tabindex", "0");
      dot.setAttribute("role", "button");
      dot.setAttribute("aria-label", word("point_label", { point: name }));
      svg.querySelector(".points").appendChild(dot);
    });
    hidden.value = JSON.stringify(points);
    totals();
  }

  function addPoint(view, x, y, zone, shot) {
    var point = { view: view, x: fixed(x, 4), y: fixed(y, 4), zone: zone };
    Object.keys(shot).forEach(function (key) { point[key] = shot[key]; });
    points.push(point);
  }

  /* Enter or Space on a zone adds a point inside it, spread over the zone as they add up. */
  function onZoneKey(event) {
    if (event.key !== "Enter" && event.key !== " ") { return; }
    event.preventDefault();
    var zone = event.currentTarget;
    var svg = zone.ownerSVGElement;
    var shot = syringe();
    if (!shot) { return; }
    var spots = spread([polygonOf(zone)], 12);
    if (!spots.length) { spots = [polygonOf(zone)[0]]; }
    var used = points.filter(function (p) { return p.zone === zone.dataset.zone; }).length;
    var spot = spots[(used * 7) % spots.length];
    addPoint(svg.dataset.view, spot[0] / Number(svg.dataset.width), spot[1] / Number(svg.dataset.height), zone.dataset.zone, shot);
    say(word("point_added", { number: points.length, zone: zoneName(zone.dataset.zone) }));
    draw();
  }

  function onPointKey(event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("point")) { return; }
    if (event.key !== "Enter" && event.key !== " " && event.key !== "Delete" && event.key !== "Backspace") { return; }
    event.preventDefault();
    points.splice(Number(target.dataset.index), 1);
    say(word("point_removed", { count: points.length }));
    draw();
  }

  function onMapClick(event) {
    var svg = event.currentTarget;
    var target = event.target;
    if (target.classList.contains("point")) {
      points.splice(Number(target.dataset.index), 1);
      draw();
      return;
    }
    if (!target.classList.contains("zone")) { return; }
    var shot = syringe();
    if (!shot) { return; }
    var pt = svg.createSVGPoint();
    pt.x = event.clientX; pt.y = event.clientY;
    var local = pt.matrixTransform(svg.getScreenCTM().inverse());
    addPoint(svg.dataset.view, local.x / Number(svg.dataset.width), local.y / Number(svg.dataset.height), target.dataset.zone, shot);
    say("");
    draw();
  }

  function inside(x, y, polygon) {
    var hit = false;
    for (var i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      var xi = polygon[i][0], yi = polygon[i][1], xj = polygon[j][0], yj = polygon[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { hit = !hit; }
    }
    return hit;
  }

  function polygonOf(element) {
    return element.getAttribute("points").trim().split(/\s+/).map(function (pair) {
      return pair.split(",").map(Number);
    });
  }

  /* At least `count` points on an even grid inside the polygons (fewer for a tiny zone). */
  function spread(regions, count) {
    var found = [];
    for (var k = 2; k < 60 && found.length < count; k++) {
      found = [];
      regions.forEach(function (polygon) {
        var xs = polygon.map(function (p) { return p[0]; }), ys = polygon.map(function (p) { return p[1]; });
        var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
        var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
        for (var a = 0; a < k; a++) {
          for (var b = 0; b < k; b++) {
            var x = x0 + (x1 - x0) * (b + 0.5) / k, y = y0 + (y1 - y0) * (a + 0.5) / k;
            if (inside(x, y, polygon)) { found.push([x, y]); }
          }
        }
      });
    }
    return found;
  }

  /* Nappage: N points spread evenly over a zone (both sides when it has two). */
  function fill() {
    var choice = byId("fill-zone").value.split(":");
    var view = choice[0], zone = choice[1];
    var count = parseInt(byId("fill-count").value, 10);
    if (!(count > 0 && count <= 200)) { say(word("fill_range")); return; }
    var shot = syringe();
    if (!shot) { return; }
    var svg = mapOf(view);
    var regions = Array.prototype.slice.call(svg.querySelectorAll(".zone[data-zone='" + zone + "']")).map(polygonOf);
    var found = spread(regions, count);
    var step = found.length / count;
    for (var i = 0; i < count; i++) {
      var p = found[Math.floor(i * step)];
      addPoint(view, p[0] / Number(svg.dataset.width), p[1] / Number(svg.dataset.height), zone, shot);
    }
    say(word("points_added", { count: count }));
    draw();
  }

  /* --- Totals ----------------------------------------------------------------------- */

  function totals() {
    var byProduct = {}, byLot = {}, all = 0;
    points.forEach(function (point) {
      point.components.forEach(function (c) {
        var ml = parseFloat(c.volume_ml);
        byProduct[c.product_id] = (byProduct[c.product_id] || 0) + ml;
        byLot[c.lot_id] = (byLot[c.lot_id] || { product: c.product_id, ml: 0 });
        byLot[c.lot_id].ml += ml;
        all += ml;
      });
    });
    byId("point-count").textContent = String(points.length);
    byId("total-ml").textContent = shown(all, 3);
    var productBody = document.querySelector("#totals-product tbody");
    var lotBody = document.querySelector("#totals-lot tbody");
    productBody.textContent = ""; lotBody.textContent = "";
    Object.keys(byProduct).forEach(function (id) {
      var tr = document.createElement("tr");
      tr.innerHTML = "<td></td><td></td>";
      tr.children[0].textContent = (productById(id) || { name: id }).name;
      tr.children[1].textContent = shown(byProduct[id], 3);
      productBody.appendChild(tr);
    });
    Object.keys(byLot).forEach(function (id) {
      var product = productById(byLot[id].product);
      var lot = product ? product.lots.filter(function (l) { return String(l.id) === id; })[0] : null;
      var tr = document.createElement("tr");
      tr.innerHTML = "<td></td><td></td><td></td>";
      tr.children[0].textContent = (product ? product.name + " · " : "") + (lot ? lot.number : id);
      tr.children[1].textContent = shown(byLot[id].ml, 3);
      tr.children[2].textContent = lot ? lot.on_hand : "";
      if (lot && byLot[id].ml > parseFloat(lot.on_hand)) { tr.className = "short"; tr.children[2].textContent = word("short", { on_hand: lot.on_hand }); }
      lotBody.appendChild(tr);
    });
    doses();
  }

  /* --- Running dose of each limited drug -------------------------------------------- */

  /* Each limited drug's amount over every point: mg, injections, the largest mg at one
     point, and whether plain or epinephrine products were used (the label's limit differs). */
  function drugUse(drug) {
    var use = { mg: 0, points: 0, pointMax: 0, unknown: [], plain: false, epi: false, strengths: {} };
    points.forEach(function (point) {
      var here = 0, hit = false;
      point.components.forEach(function (c) {
        var product = drug.products[String(c.product_id)];
        if (!product) { return; }
        hit = true;
        if (product.epinephrine) { use.epi = true; } else { use.plain = true; }
        if (product.mg_per_ml === null) {
          if (use.unknown.indexOf(product.name) < 0) { use.unknown.push(product.name); }
          return;
        }
        use.strengths[product.name] = parseFloat(product.mg_per_ml);
        here += parseFloat(c.volume_ml) * parseFloat(product.mg_per_ml);
      });
      if (hit) { use.points += 1; use.mg += here; use.pointMax = Math.max(use.pointMax, here); }
    });
    return use;
  }

  function applies(limit, use) {
    if (!use.plain && !use.epi) { return true; }
    if (limit.epinephrine === "without") { return use.plain; }
    if (limit.epinephrine === "with") { return use.epi; }
    return true;
  }

  function asMl(use, mg, words) {
    return Object.keys(use.strengths).sort().map(function (name) {
      return shown(mg / use.strengths[name], 2) + " mL " + words.of + " " + name;
    }).join(" " + words.or + " ");
  }

  function doseRow(body, drug, limit, use, words) {
    var warnAt = parseFloat(config.doses.warn_at);
    var count = limit.kind === "injections";
    var value = count ? use.points : (limit.kind === "per_injection" ? use.pointMax : use.mg);
    var max = limit.max === null ? null : parseFloat(limit.max);
    var tr = document.createElement("tr");
    tr.innerHTML = "<td></td><td></td><td></td><td></td>";
    tr.dataset.drug = String(drug.id);
    tr.dataset.kind = limit.kind;
    tr.children[0].textContent = drug.name;
    tr.children[1].textContent = count ? value + " " + words.injections : shown(value, 2) + " mg";
    var limitText = max === null ? "" : (count ? max + " " + words.injections : shown(max, 2) + " mg");
    if (max !== null && !count && Object.keys(use.strengths).length) { limitText += " = " + asMl(use, max, words); }
    tr.children[2].textContent = (limitText ? limitText + " · " : "") + limit.label;
    var status = words.ok;
    tr.className = "dose-ok";
    if (use.unknown.length) { status = words.unknown + " (" + use.unknown.join(", ") + ")"; tr.className = "dose-over"; }
    else if (max === null) { status = words.needsWeight; tr.className = (use.points ? "dose-over" : "dose-warn"); }
    else if (value > max + 1e-9) { status = words.over; tr.className = "dose-over"; }
    else if (value >= warnAt * max) { status = words.warn; tr.className = "dose-warn"; }
    tr.children[3].textContent = status;
    body.appendChild(tr);
  }

  function doses() {
    var panel = byId("dose-panel");
    if (!panel || !config.doses) { return; }
    var words = {
      ok: panel.dataset.ok, warn: panel.dataset.warn, over: panel.dataset.over,
      needsWeight: panel.dataset.needsWeight, unknown: panel.dataset.unknown,
      injections: panel.dataset.injections, or: panel.dataset.or, of: panel.dataset.of
    };
    var body = document.querySelector("#dose-totals tbody");
    body.textContent = "";
    config.doses.drugs.forEach(function (drug) {
      var use = drugUse(drug);
      drug.limits.filter(function (limit) { return applies(limit, use); }).forEach(function (limit) {
        doseRow(body, drug, limit, use, words);
      });
    });
  }

  /* --- Start ------------------------------------------------------------------------ */

  function start() {
    var d = config.defaults;
    byId("volume-per-point").value = d.volume_per_point;
    byId("depth").value = d.depth_mm;
    byId("depth").min = d.depth_min;
    byId("depth").max = d.depth_max;
    byId("depth-range").textContent = d.depth_min + "–" + d.depth_max + " mm";
    byId("gauge").value = d.needle_gauge;
    byId("needle-length").value = d.needle_length_mm;
    config.techniques.forEach(function (t) { byId("technique").appendChild(option(t[0], t[1], t[0] === d.technique)); });
    try { points = JSON.parse(hidden.value || "[]"); } catch (e) { points = []; }
    if (!Array.isArray(points)) { points = []; }
    var last = points.length ? points[points.length - 1] : null;
    if (last && last.components && last.components.length) {
      /* Points kept after a refusal: the syringe shows the products and lots they carry. */
      last.components.forEach(function (c) { addRow(c.product_id, c.lot_id); });
    } else {
      var first = d.products.length ? d.products : (config.products.length ? [config.products[0].id] : []);
      first.forEach(function (id) { addRow(id); });
    }
    var planZone = false;  // the first of the plan's zones is the one to fill, until changed
    document.querySelectorAll("svg.bodymap.clickable").forEach(function (svg) {
      svg.addEventListener("click", onMapClick);
      svg.addEventListener("keydown", onPointKey);
      var seen = {};
      svg.querySelectorAll(".zone").forEach(function (z) {
        var sided = z.dataset.side && z.dataset.side !== "none";
        z.setAttribute("tabindex", "0");
        z.setAttribute("role", "button");
        z.setAttribute("aria-label", sided
          ? word("add_point_side", { zone: zoneName(z.dataset.zone), side: config.words.sides[z.dataset.side] || z.dataset.side })
          : word("add_point", { zone: zoneName(z.dataset.zone) }));
        z.addEventListener("keydown", onZoneKey);
        var key = svg.dataset.view + ":" + z.dataset.zone;
        if (seen[key]) { return; }
        seen[key] = true;
        var name = (config.zones[z.dataset.zone] || { name: z.dataset.zone }).name;
        var mine = !planZone && (d.zones || []).indexOf(z.dataset.zone) >= 0;
        planZone = planZone || mine;
        var view = config.words.views[svg.dataset.view] || svg.dataset.view;
        byId("fill-zone").appendChild(option(key, word("zone_in_view", { zone: name, view: view }), mine));
      });
    });
    byId("add-product").addEventListener("click", function () { addRow(config.products.length ? config.products[0].id : ""); });
    byId("fill").addEventListener("click", fill);
    byId("undo").addEventListener("click", function () { points.pop(); draw(); });
    byId("clear").addEventListener("click", function () { points = []; draw(); });
    form.addEventListener("submit", function () { hidden.value = JSON.stringify(points); });
    draw();
  }

  start();
})();
