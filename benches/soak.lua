-- Mixed traffic of all three portals for scripts/soak.sh (wrk 4.1, one Lua state per thread).
--
-- Sessions, CSRF tokens and the PBX token come from the environment (soak.sh signs in with curl
-- first): SOAK_{CUSTOMER,PARTNER,MANAGER}_{COOKIE,CSRF}, SOAK_PBX_TOKEN. Each request is drawn
-- from a weighted mix; responses are counted by status per thread and summed in done().
-- An answer outside 2xx/3xx is an error: every request in the mix is a valid one.

local env = os.getenv
local unpack = unpack or table.unpack -- LuaJIT (wrk) has the 5.1 global

local function role(name)
  return { cookie = env("SOAK_" .. name .. "_COOKIE"), csrf = env("SOAK_" .. name .. "_CSRF") }
end
local customer, partner, manager = role("CUSTOMER"), role("PARTNER"), role("MANAGER")
local pbx_token = env("SOAK_PBX_TOKEN")

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function form(fields)
  local parts = {}
  for _, kv in ipairs(fields) do parts[#parts + 1] = kv[1] .. "=" .. urlencode(kv[2]) end
  return table.concat(parts, "&")
end

local function page(who, path)
  return function()
    return wrk.format("GET", path, { Cookie = who.cookie })
  end
end

local function post(who, path, fields)
  return function()
    local body = form({ { "csrf_token", who.csrf }, unpack(fields) })
    return wrk.format("POST", path, {
      Cookie = who.cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
  end
end

-- `tid` is a global set per thread by setup(); `counter` numbers this thread's new customers.
local counter = 0

-- Add Partner (User Type Customer) is a multipart form; each post adds a new pending customer
-- with a unique email, an activation token and an activation email (a real write path).
local function add_customer()
  counter = counter + 1
  local boundary = "soakboundary7d1f"
  local fields = {
    { "csrf_token", partner.csrf }, { "user_type", "customer" },
    { "email", string.format("soak-%d-%d-%d@soak.example", tid, counter, os.time()) },
    { "first_name", "Soak" }, { "last_name", "Tester" }, { "company", "Soak Load GmbH" },
    { "phone", "+49 40 5550100" }, { "country", "DE" }, { "address", "Hafenstrasse 1" },
    { "city", "Hamburg" }, { "state", "" }, { "postcode", "20457" },
  }
  local body = {}
  for _, kv in ipairs(fields) do
    body[#body + 1] = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. kv[1]
      .. "\"\r\n\r\n" .. kv[2] .. "\r\n"
  end
  body[#body + 1] = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"profile_image\";"
    .. " filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
  body[#body + 1] = "--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/partner/customers/new", {
    Cookie = partner.cookie, ["Content-Type"] = "multipart/form-data; boundary=" .. boundary },
    table.concat(body))
end

-- Writes that grow the data are paced per wrk thread (os.time() has whole seconds), so the
-- soak measures a steady state rather than an ever larger customer list: at most `per_second`
-- of a kind each second, the rest of the draw goes to other requests.
local paced_second, paced_counts = {}, {}
local function allowed(kind, per_second)
  local now = os.time()
  if paced_second[kind] ~= now then paced_second[kind], paced_counts[kind] = now, 0 end
  paced_counts[kind] = paced_counts[kind] + 1
  return paced_counts[kind] <= per_second
end

local function heartbeat()
  local body = string.format('{"version": "37.20.0.16", "extensions_in_use": %d, "active_calls": %d}',
    math.random(0, 40), math.random(0, 10))
  return wrk.format("POST", "/api/pbx/heartbeat", {
    Authorization = "Bearer " .. pbx_token, ["Content-Type"] = "application/json" }, body)
end

local account_fields = {
  { "first_name", "Grace" }, { "last_name", "Hopper" }, { "company", "Acme Logistics" },
  { "phone", "+49 40 5550199" }, { "country", "DE" }, { "address", "Speicherstadt 5" },
  { "city", "Hamburg" }, { "state", "" }, { "postcode", "20457" },
}
local purchase_fields = {
  { "plan", "cloud_pbx_ultimate" }, { "units", "20" }, { "term", "2y" }, { "licenses", "1" },
  { "addon.high_availability", "1" }, { "addon.recording_minutes", "" }, { "customer_email", "" },
}
local subscribe_fields = { { "plan", "cloud_pbx_enterprise" }, { "units", "15" }, { "term", "1y" } }

-- { weight, request builder }: page views dominate, then searches, forms and heartbeats.
local mix = {
  -- customer portal
  { 6, page(customer, "/customer") },
  { 3, page(customer, "/customer/products") },
  { 4, page(customer, "/customer/central-management") },
  { 4, page(customer, "/customer/estimate?plan=cloud_pbx_enterprise&units=25&term=1y&addon.recording_minutes=2") },
  { 2, page(customer, "/customer/account") },
  { 2, page(customer, "/customer/security") },
  { 1, post(customer, "/customer/account", account_fields) },
  { 1, post(customer, "/customer/subscribe/review", subscribe_fields) },
  -- partner portal
  { 6, page(partner, "/partner/customers") },
  { 3, page(partner, "/partner/customers?q=acme") },
  { 2, page(partner, "/partner/customers?q=zzzz") },
  { 3, page(partner, "/partner/products/cloud_pbx") },
  { 2, page(partner, "/partner/products/cloud_pbx?q=ultimate") },
  { 3, page(partner, "/partner/orders") },
  { 2, page(partner, "/partner/audit") },
  { 1, post(partner, "/partner/purchase/review", purchase_fields) },
  { 1, add_customer },
  -- account manager console
  { 3, page(manager, "/manager/partners") },
  { 2, page(manager, "/manager/partners?q=north") },
  { 2, page(manager, "/manager/activations") },
  { 1, page(manager, "/manager/removals") },
  { 1, page(manager, "/manager/applications") },
  { 2, page(manager, "/manager/audit") },
  -- a Cloud PBX reporting in
  { 6, heartbeat },
}
-- A PBX may report at most 12 times a minute (pbx::heartbeat::BEATS_PER_MINUTE, counted across
-- all app instances); a real one reports every 30 s. With one PBX token, each thread sends a
-- heartbeat at most every 12 s (two threads: 10 a minute). One new customer a second per
-- thread: ~1,200 in a 10-minute soak.
local pace = { [add_customer] = 1 }
local every = { [heartbeat] = 12 }
local last_sent = {}
local function due(kind)
  local now = os.time()
  if last_sent[kind] and now - last_sent[kind] < every[kind] then return false end
  last_sent[kind] = now
  return true
end
local wheel = {}
for _, entry in ipairs(mix) do
  for _ = 1, entry[1] do wheel[#wheel + 1] = entry[2] end
end

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end

statuses = {}

function init()
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  local build = wheel[math.random(#wheel)]
  while (pace[build] and not allowed(build, pace[build])) or (every[build] and not due(build)) do
    build = wheel[math.random(#wheel)]
  end
  return build()
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  local codes, bad = {}, 0
  for status in pairs(total) do codes[#codes + 1] = status end
  table.sort(codes)
  io.write("SOAK statuses:")
  for _, status in ipairs(codes) do
    io.write(string.format(" %d=%d", status, total[status]))
    if status < 200 or status >= 400 then bad = bad + total[status] end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  io.write(string.format("\nSOAK requests=%d bad_status=%d socket_errors=%d (connect %d, read %d, write %d, timeout %d)\n",
    summary.requests, bad, socket, e.connect, e.read, e.write, e.timeout))
  io.write(string.format("SOAK latency p50=%.1fms p99=%.1fms max=%.1fms rps=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
