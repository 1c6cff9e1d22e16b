function lambda(input, callback) {
  const url = new URL("https://api.example.com:8443/v1/../v2/items?limit=10#top");
  url.searchParams.set("page", "2 of 3");
  const qs = new URLSearchParams({ a: "1", b: "x&y" });
  callback(null, [url.href, url.hostname, url.port, url.pathname, url.search, qs.toString()]);
}
