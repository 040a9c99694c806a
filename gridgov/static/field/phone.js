// The grid worker's phone app. Everything the worker records goes first into an outbox in
// IndexedDB, with a key made here, and is sent from there in the order it was recorded —
// at once when there is signal, when the signal returns otherwise. A request whose answer
// was lost is simply sent again: the server answers the same key with what it stored.
(function () {
  "use strict";

  var BATCH_POINTS = 20; // track points per upload
  var BATCH_SECONDS = 120; // or at least this often while on patrol
  var PHOTO_EDGE = 1600; // photos are scaled down to this many pixels on their long edge
  var PHOTO_QUALITY = 0.8;
  var PATROL = "gridgov-field-patrol";

  var body = document.body;
  var user = body.dataset.user;
  var dbPromise = null;
  var flushing = null; // the round of sending under way
  var again = false;

  // --- small helpers -------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  function position(options) {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) { reject(new Error("此设备不支持定位")); return; }
      navigator.geolocation.getCurrentPosition(resolve, reject, options || { enableHighAccuracy: true, timeout: 15000, maximumAge: 10000 });
    });
  }

  function errorText(data) {
    if (!data) { return "提交失败"; }
    if (data.errors) {
      return Object.keys(data.errors).map(function (k) { return data.errors[k].join("；"); }).join("；");
    }
    return data.detail || "提交失败";
  }

  // After a form is kept: back to the list when there is signal; without, stay on the
  // form, emptied for the next one, rather than risk a page that cannot open.
  function done(form, sent, kept) {
    if (navigator.onLine) {
      say(sent);
      location.href = "/m/";
      return;
    }
    form.reset();
    form.querySelectorAll(".thumbs").forEach(function (t) { t.innerHTML = ""; });
    form.querySelectorAll(".chosen").forEach(function (c) { c.textContent = "未选择"; c.className = "chosen muted"; });
    var p = document.createElement("p");
    p.className = "flash";
    p.textContent = kept;
    form.prepend(p);
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  }

  function say(text) {
    try { sessionStorage.setItem("gridgov-field-flash", text); } catch (e) { /* private mode */ }
  }

  function showFlash() {
    var text = sessionStorage.getItem("gridgov-field-flash");
    if (!text) { return; }
    sessionStorage.removeItem("gridgov-field-flash");
    var p = document.createElement("p");
    p.className = "flash";
    p.textContent = text;
    document.querySelector("main").prepend(p);
  }

  // --- the outbox ------------------------------------------------------------------------------

  function db() {
    if (!dbPromise) {
      dbPromise = idb.openDB("gridgov-field-" + user, 1, {
        upgrade: function (d) { d.createObjectStore("outbox", { keyPath: "id", autoIncrement: true }); },
      });
    }
    return dbPromise;
  }

  function enqueue(item) {
    item.created = Date.now();
    return db().then(function (d) { return d.add("outbox", item); }).then(function () {
      refreshOutbox();
      return flush();
    });
  }

  function request(item) {
    var headers = { "X-CSRFToken": csrfToken() };
    if (item.key) { headers["Idempotency-Key"] = item.key; }
    var payload;
    if (item.files) {
      payload = new FormData();
      Object.keys(item.fields).forEach(function (k) { payload.append(k, item.fields[k]); });
      item.files.forEach(function (f) { payload.append(f.name, f.blob, f.filename); });
    } else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(item.fields);
    }
    return fetch(item.url, { method: "POST", headers: headers, body: payload, credentials: "same-origin" });
  }

  // Send what waits, oldest first. A network error or a server error stops the round (the
  // rest waits for the next one); a refusal (4xx) marks the item so the worker sees why.
  function flush() {
    if (!navigator.onLine) { return Promise.resolve(); }
    if (flushing) {
      // Something was queued during a round: go round once more when this one ends.
      again = true;
      return flushing;
    }
    flushing = db().then(function (d) { return d.getAll("outbox"); }).then(function (items) {
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (go) {
          if (!go || item.error) { return go; }
          return request(item).then(function (response) {
            if (response.ok) {
              return db().then(function (d) { return d.delete("outbox", item.id); }).then(function () { return true; });
            }
            if (response.status >= 500 || response.status === 401 || response.status === 429) { return false; }
            return response.json().catch(function () { return null; }).then(function (data) {
              item.error = response.status + " " + errorText(data);
              return db().then(function (d) { return d.put("outbox", item); }).then(function () { return true; });
            });
          }, function () { return false; });
        });
      });
      return chain;
    }).finally(function () {
      flushing = null;
      refreshOutbox();
      if (again) {
        again = false;
        return flush();
      }
    });
    return flushing;
  }

  function refreshOutbox() {
    var box = $("outbox");
    if (!box) { return Promise.resolve(); }
    return db().then(function (d) { return d.getAll("outbox"); }).then(function (items) {
      var waiting = items.filter(function (i) { return !i.error; });
      var failed = items.filter(function (i) { return i.error; });
      box.hidden = !items.length;
      box.dataset.waiting = waiting.length;
      $("outbox-text").textContent = waiting.length ? "待发送 " + waiting.length + " 项：" + summary(waiting) : "";
      var list = $("outbox-failed");
      list.innerHTML = "";
      failed.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = item.label + "：" + item.error + " ";
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "small";
        drop.textContent = "删除";
        drop.addEventListener("click", function () {
          db().then(function (d) { return d.delete("outbox", item.id); }).then(refreshOutbox);
        });
        li.appendChild(drop);
        list.appendChild(li);
      });
    });
  }

  function summary(items) {
    var counts = {};
    items.forEach(function (i) { counts[i.label] = (counts[i.label] || 0) + 1; });
    return Object.keys(counts).map(function (k) { return k + (counts[k] > 1 ? " ×" + counts[k] : ""); }).join("、");
  }

  function showNetwork() {
    var net = $("net");
    if (net) {
      net.textContent = navigator.onLine ? "在线" : "离线";
      net.className = "net " + (navigator.onLine ? "on" : "off");
    }
  }

  // --- photos: scaled down on the phone before they are kept or sent ------------------------

  function compress(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_EDGE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", PHOTO_QUALITY);
      });
    }).catch(function () { return file; });
  }

  function photoPicker(input, thumbs) {
    var blobs = [];
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) {
        compress(file).then(function (blob) {
          blobs.push(blob);
          if (thumbs) {
            var img = document.createElement("img");
            img.src = URL.createObjectURL(blob);
            thumbs.appendChild(img);
          }
        });
      });
    });
    if (input.form) {
      input.form.addEventListener("reset", function () {
        blobs = [];
        if (thumbs) { thumbs.innerHTML = ""; }
      });
    }
    return {
      files: function (name) {
        return blobs.map(function (b, i) { return { name: name, blob: b, filename: "photo-" + (i + 1) + ".jpg" }; });
      },
      count: function () { return blobs.length; },
    };
  }

  // --- where the worker stands -----------------------------------------------------------------

  function fillLocation(note, onFix) {
    position().then(function (p) {
      note.textContent = "已定位（精度约 " + Math.round(p.coords.accuracy) + " 米）";
      note.dataset.lon = p.coords.longitude;
      note.dataset.lat = p.coords.latitude;
      if (onFix) { onFix(p.coords.longitude, p.coords.latitude); }
    }, function () {
      note.textContent = "无法定位：请打开定位权限后重试";
    });
  }

  // --- patrol ----------------------------------------------------------------------------------

  function patrolState() {
    try { return JSON.parse(localStorage.getItem(PATROL + "-" + user)); } catch (e) { return null; }
  }

  function savePatrol(state) {
    if (state) { localStorage.setItem(PATROL + "-" + user, JSON.stringify(state)); }
    else { localStorage.removeItem(PATROL + "-" + user); }
  }

  // The patrol keeps recording on every page of the app while it runs; the panel on the
  // today page starts and stops it.
  function setupPatrol(panel) {
    var interval = Number(body.dataset.interval || 10) * 1000;
    var watch = null;
    var timer = null;
    var state = patrolState();
    if (state && panel && panel.dataset.ongoing && panel.dataset.ongoing !== state.key) { state = null; savePatrol(null); }
    window.gridgovPatrol = { count: function () { return state ? state.count : 0; } };

    function render() {
      if (!panel) { return; }
      var on = !!state;
      $("patrol-start").hidden = on;
      $("patrol-stop").hidden = !on;
      $("patrol-state").textContent = on ? "巡查中" : "未在巡查";
      $("patrol-points").textContent = on ? state.count : 0;
      if (on) {
        var minutes = Math.max(0, Math.round((Date.now() - state.started) / 60000));
        $("patrol-time").textContent = "已巡查 " + minutes + " 分钟";
      } else {
        $("patrol-time").textContent = "—";
      }
      panel.dataset.state = on ? "on" : "off";
    }

    function sendBatch() {
      if (!state || !state.buffer.length) { return Promise.resolve(); }
      var points = state.buffer;
      var batchKey = state.key + "-" + state.seq;
      state.buffer = [];
      state.seq += 1;
      state.sentAt = Date.now();
      savePatrol(state);
      return enqueue({
        label: "巡查轨迹", url: "/api/patrols/" + encodeURIComponent(state.key) + "/tracks",
        fields: { key: batchKey, points: points },
      });
    }

    function record(p) {
      if (!state) { return; }
      var now = Date.now();
      if (state.last && now - state.last < interval) { return; }
      state.last = now;
      state.count += 1;
      state.buffer.push([now, p.coords.longitude, p.coords.latitude, p.coords.accuracy]);
      savePatrol(state);
      render();
      if (state.buffer.length >= BATCH_POINTS || now - (state.sentAt || state.started) >= BATCH_SECONDS * 1000) {
        sendBatch();
      }
    }

    function follow() {
      if (!navigator.geolocation) { return; }
      var latest = null;
      watch = navigator.geolocation.watchPosition(function (p) {
        latest = p;
        record(p);
      }, function () {}, { enableHighAccuracy: true, maximumAge: 0 });
      // A phone standing still reports no new position: keep its last one every interval.
      timer = setInterval(function () {
        if (latest) { record(latest); }
        render();
      }, interval);
    }

    if (!panel) {
      if (state) { follow(); }
      return;
    }

    $("patrol-start").addEventListener("click", function () {
      state = { key: uuid(), started: Date.now(), seq: 1, count: 0, buffer: [], last: 0 };
      savePatrol(state);
      enqueue({ label: "开始巡查", url: "/api/patrols", fields: { key: state.key, started_at: new Date(state.started).toISOString() } });
      render();
      follow();
    });

    $("patrol-stop").addEventListener("click", function () {
      if (!state) { return; }
      if (watch !== null) { navigator.geolocation.clearWatch(watch); }
      clearInterval(timer);
      var key = state.key;
      var ended = new Date().toISOString();
      sendBatch().then(function () {
        state = null;
        savePatrol(null);
        return enqueue({ label: "结束巡查", url: "/api/patrols/" + encodeURIComponent(key) + "/stop", fields: { ended_at: ended } });
      }).then(render);
    });

    if (state) { follow(); }
    render();
  }

  function setupCheckIn(button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      position().then(function (p) {
        return enqueue({
          label: "打卡", url: "/api/check-ins",
          fields: { key: uuid(), lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy, at: new Date().toISOString() },
        });
      }).then(function () { button.textContent = "已打卡"; }, function () {
        button.disabled = false;
        button.textContent = "定位失败，重试打卡";
      });
    });
  }

  // --- report ----------------------------------------------------------------------------------

  function setupReport(form) {
    var photos = photoPicker($("report-photos"), $("report-thumbs"));
    var data = JSON.parse($("category-data").textContent);
    var search = $("category-search");
    var results = $("category-results");
    var chosen = $("category-chosen");
    var hidden = $("report-category");
    var where = $("report-where");
    var self = $("report-self");
    var note = $("report-note");
    var map = null;
    var marker = null;

    search.addEventListener("input", function () {
      results.innerHTML = "";
      var terms = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      if (!terms.length) { return; }
      data.filter(function (c) {
        return terms.every(function (t) { return c.search.toLowerCase().indexOf(t) >= 0; });
      }).slice(0, 8).forEach(function (c) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = c.major + " › " + c.name;
        b.dataset.code = c.code;
        b.addEventListener("click", function () {
          hidden.value = c.code;
          chosen.textContent = "已选：" + c.major + " › " + c.name;
          chosen.className = "chosen";
          results.innerHTML = "";
          search.value = "";
          checkDuplicates();
        });
        li.appendChild(b);
        results.appendChild(li);
      });
    });

    self.addEventListener("change", function () { note.hidden = !self.checked; });

    function setPoint(lon, lat) {
      $("report-lon").value = lon.toFixed(6);
      $("report-lat").value = lat.toFixed(6);
      if (window.L) {
        if (!map) {
          map = L.map("report-map", { zoomControl: false, attributionControl: false }).setView([lat, lon], 17);
          marker = L.marker([lat, lon], { draggable: true }).addTo(map);
          marker.on("dragend", function () {
            var at = marker.getLatLng();
            $("report-lon").value = at.lng.toFixed(6);
            $("report-lat").value = at.lat.toFixed(6);
            where.textContent = "已手动调整位置";
            checkDuplicates();
          });
        } else {
          marker.setLatLng([lat, lon]);
          map.setView([lat, lon]);
        }
      }
      checkDuplicates();
    }

    // Which grid the point falls in, asked when there is signal (the server locates it anyway).
    function locateGrid() {
      var grid = $("report-grid");
      if (!navigator.onLine || !$("report-lon").value) { return; }
      var params = new URLSearchParams({ lon: $("report-lon").value, lat: $("report-lat").value });
      fetch("/api/locate?" + params, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (found) {
        if (found) { grid.textContent = found.grid_name ? "所在网格：" + found.grid_name : found.message; }
      }).catch(function () {});
    }

    function checkDuplicates() {
      locateGrid();
      var box = $("duplicates");
      if (!navigator.onLine || !hidden.value || !$("report-lon").value) { return; }
      var params = new URLSearchParams({
        category: hidden.value, lon: $("report-lon").value, lat: $("report-lat").value,
        text: ($("report-title").value + " " + $("report-description").value).trim(),
      });
      fetch("/api/events/duplicates?" + params, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : [];
      }).then(function (found) {
        box.innerHTML = "";
        box.hidden = !found.length;
        if (!found.length) { return; }
        var h = document.createElement("strong");
        h.textContent = "附近可能是同一事件（仍可继续提交）：";
        box.appendChild(h);
        found.forEach(function (d) {
          var p = document.createElement("div");
          p.textContent = d.event.code + " " + d.event.title + "（" + Math.round(d.distance_m) + " 米，" + d.event.status_label + "）";
          box.appendChild(p);
        });
      }).catch(function () {});
    }

    fillLocation(where, setPoint);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var errors = [];
      if (!hidden.value) { errors.push("请选择事件分类"); }
      if (!$("report-title").value.trim()) { errors.push("请填写标题"); }
      if (!$("report-description").value.trim()) { errors.push("请填写情况描述"); }
      if (!$("report-lon").value) { errors.push("尚未定位"); }
      if (self.checked && !photos.count()) { errors.push("自行处置须上传处置后的照片"); }
      if (self.checked && !note.value.trim()) { errors.push("请说明现场处置情况"); }
      $("report-errors").textContent = errors.join("；");
      if (errors.length) { return; }
      var fields = {
        title: $("report-title").value.trim(), description: $("report-description").value.trim(),
        category: hidden.value, level: $("report-level").value, lon: $("report-lon").value,
        lat: $("report-lat").value, address: $("report-address").value.trim(),
      };
      if (self.checked) { fields.note = note.value.trim(); }
      var key = uuid();
      fields.idempotency_key = key;
      form.querySelector("button[type=submit]").disabled = true;
      enqueue({
        label: self.checked ? "自行处置" : "事件上报", url: self.checked ? "/api/events/self-handled" : "/api/events",
        key: key, fields: fields, files: photos.files("photos"),
      }).then(function () { done(form, "事件已提交", "已保存在手机上，有信号时自动发送"); });
    });
  }

  // --- visit -----------------------------------------------------------------------------------

  function setupVisit(form) {
    var where = $("visit-where");
    fillLocation(where);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var finding = form.querySelector("input[name=finding]:checked").value;
      var errors = [];
      if (!$("visit-household").value.trim()) { errors.push("请填写走访对象"); }
      if (finding !== "none" && !$("visit-notes").value.trim()) { errors.push("有发现时请记录具体情况"); }
      if (!where.dataset.lon) { errors.push("尚未定位"); }
      $("visit-errors").textContent = errors.join("；");
      if (errors.length) { return; }
      enqueue({
        label: "走访", url: "/api/visits",
        fields: {
          key: uuid(), household: $("visit-household").value.trim(), address: $("visit-address").value.trim(),
          lon: Number(where.dataset.lon), lat: Number(where.dataset.lat), finding: finding,
          notes: $("visit-notes").value.trim(), follow_up: $("visit-follow-up").checked,
          visited_at: new Date().toISOString(),
        },
      }).then(function () { done(form, "走访已保存", "走访已保存在手机上，有信号时自动发送"); });
    });
  }

  // --- inspection ------------------------------------------------------------------------------

  function setupInspect(form) {
    var kinds = JSON.parse($("checklist-data").textContent);
    var list = $("inspect-items");
    var where = $("inspect-where");
    var pickers = {};
    var kindSelect = $("inspect-kind");
    fillLocation(where);

    function show(code) {
      list.innerHTML = "";
      pickers = {};
      var kind = kinds.filter(function (k) { return k.code === code; })[0];
      if (!kind) { return; }
      kind.items.forEach(function (item) {
        var li = document.createElement("li");
        li.dataset.item = item.id;
        li.innerHTML = '<p class="item-text"></p><div class="verdict">' +
          '<label class="pass"><input type="radio" value="1" name="item-' + item.id + '"> 合格</label>' +
          '<label class="fail"><input type="radio" value="0" name="item-' + item.id + '"> 不合格</label></div>' +
          '<div class="failed" hidden><input type="text" class="note" maxlength="500" placeholder="问题说明"></div>' +
          '<div class="answered" hidden>' +
          '<label class="photo-pick small">拍照<input type="file" accept="image/*" capture="environment" multiple></label>' +
          '<div class="thumbs"></div></div>';
        li.querySelector(".item-text").textContent = item.text;
        pickers[item.id] = photoPicker(li.querySelector("input[type=file]"), li.querySelector(".thumbs"));
        li.querySelectorAll("input[type=radio]").forEach(function (r) {
          r.addEventListener("change", function () {
            li.querySelector(".failed").hidden = r.value !== "0";
            li.querySelector(".answered").hidden = false; // any answered item may carry photos
          });
        });
        list.appendChild(li);
      });
    }

    if (kindSelect) { kindSelect.addEventListener("change", function () { show(kindSelect.value); }); }
    else { show(form.dataset.kind); }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var errors = [];
      var results = [];
      var files = [];
      list.querySelectorAll("li").forEach(function (li, n) {
        var checked = li.querySelector("input[type=radio]:checked");
        if (!checked) { errors.push("第 " + (n + 1) + " 项未选择"); return; }
        var id = Number(li.dataset.item);
        results.push({ item: id, passed: checked.value === "1", note: li.querySelector(".note").value.trim() });
        files = files.concat(pickers[id].files("photo_" + id));
      });
      if (kindSelect && !kindSelect.value) { errors.push("请选择场所类型"); }
      if (kindSelect && !$("inspect-place").value.trim()) { errors.push("请填写场所名称"); }
      if (!where.dataset.lon) { errors.push("尚未定位"); }
      $("inspect-errors").textContent = errors.slice(0, 3).join("；");
      if (errors.length) { return; }
      var fields = {
        key: uuid(), lon: where.dataset.lon, lat: where.dataset.lat, results: JSON.stringify(results),
        inspected_at: new Date().toISOString(),
      };
      if (form.dataset.previous) { fields.previous = form.dataset.previous; }
      else {
        fields.kind = kindSelect.value;
        fields.place = $("inspect-place").value.trim();
        fields.address = $("inspect-address").value.trim();
      }
      enqueue({ label: form.dataset.previous ? "隐患复查" : "隐患排查", url: "/api/inspections", fields: fields, files: files })
        .then(function () { done(form, "检查结果已提交", "检查结果已保存在手机上，有信号时自动发送"); });
    });
  }

  // --- history: a visit's finding becomes an event in one tap ---------------------------------

  function setupFollowUps() {
    document.querySelectorAll("[data-followed-up]").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        enqueue({ label: "回访", url: "/api/visits/" + button.dataset.followedUp + "/followed-up", fields: {} })
          .then(function () { button.closest("li").remove(); });
      });
    });
  }

  // A page the service worker answered from its cache (no signal) shows its note saying so.
  function showOfflineCopy() {
    if (!body.hasAttribute("data-offline-copy")) { return; }
    document.querySelectorAll("[data-offline-note]").forEach(function (note) { note.hidden = false; });
  }

  function setupHistory() {
    document.querySelectorAll("[data-report-visit]").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        fetch("/api/visits/" + button.dataset.reportVisit + "/report", {
          method: "POST", credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" }, body: "{}",
        }).then(function (r) {
          return r.json().then(function (data) {
            if (!r.ok) { throw new Error(errorText(data)); }
            button.replaceWith(document.createTextNode("已上报 " + data.event));
          });
        }).catch(function (e) {
          button.disabled = false;
          button.textContent = "上报失败：" + (e.message || "请稍后重试");
        });
      });
    });
  }

  // --- start -----------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    if ("serviceWorker" in navigator && body.dataset.sw) {
      navigator.serviceWorker.register(body.dataset.sw, { scope: "/m/" }).catch(function () {});
    }
    showNetwork();
    showFlash();
    showOfflineCopy();
    window.addEventListener("online", function () { showNetwork(); flush(); });
    window.addEventListener("offline", showNetwork);
    if ($("outbox-send")) { $("outbox-send").addEventListener("click", flush); }
    setInterval(flush, 15000);
    refreshOutbox().then(flush);
    setupPatrol($("patrol"));
    if ($("check-in")) { setupCheckIn($("check-in")); }
    if ($("report-form")) { setupReport($("report-form")); }
    if ($("visit-form")) { setupVisit($("visit-form")); }
    if ($("inspect-form")) { setupInspect($("inspect-form")); }
    setupHistory();
    setupFollowUps();
  });

  // For the page's own checks (and tests): how many items wait in the outbox.
  window.gridgovOutbox = {
    count: function () { return db().then(function (d) { return d.count("outbox"); }); },
    flush: flush,
  };
})();
