// The phone app's service worker: keeps the app shell so /m/ opens without signal.
// Pages and API reads: network first, the kept copy when offline. Static files: the kept
// copy first. Writes are never handled here: the app's outbox (IndexedDB) sends them.
"use strict";
var CACHE = "gridgov-field-{{ version }}";
var SHELL = {{ shell|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return cache.add(new Request(url, { credentials: "same-origin" })).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("gridgov-field-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (url.pathname.indexOf("/m/") === 0 || url.pathname === "/api/categories" || url.pathname === "/api/checklists") {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request, { ignoreSearch: true }).then(function (hit) {
        return hit || new Response("离线：该页面尚未缓存", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    }));
  }
});
