// The phone app's service worker: keeps the app shell so /m/ opens without signal.
// Pages and API reads: network first, the kept copy when offline. Static files: the kept
// copy first. Writes are never handled here: the app's outbox (IndexedDB) sends them.
"use strict";
var CACHE = "gridgov-field-{{ version }}";
var SHELL = {{ shell|safe }};

// Only a page as the worker would see it is kept: not an error, and not the sign-in page a
// lapsed session is redirected to, which would otherwise be kept under the page's address.
function keepable(response) {
  return response.ok && !response.redirected;
}

// One address at a time, each on its own: one that fails (a weak signal, a busy server) is
// left out — it is kept the first time it opens — rather than failing the whole install.
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return SHELL.reduce(function (chain, url) {
      return chain.then(function () {
        var request = new Request(url, { credentials: "same-origin" });
        return fetch(request).then(function (response) {
          if (keepable(response)) { return cache.put(request, response); }
        }).catch(function () {});
      });
    }, Promise.resolve());
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("gridgov-field-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// A page answered from the cache says so: its <body> is marked, and the page shows the
// worker that what they read is the copy kept when it last opened with signal.
function markedOffline(hit) {
  if ((hit.headers.get("Content-Type") || "").indexOf("text/html") !== 0) { return hit; }
  return hit.text().then(function (html) {
    return new Response(html.replace("<body ", "<body data-offline-copy "), {
      status: hit.status, statusText: hit.statusText, headers: hit.headers,
    });
  });
}

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
      if (keepable(response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      // ignoreVary: the pages vary on Cookie and Accept-Language, headers a request made
      // here (the install's) does not carry and a navigation may, so a page kept at install
      // would otherwise never match the worker opening it.
      return caches.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
        return hit ? markedOffline(hit) : new Response("离线：该页面尚未缓存", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    }));
  }
});
