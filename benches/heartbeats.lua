-- PBX heartbeats for benches/heartbeats.sh (wrk 4.1, one Lua state per thread).
--
-- HEARTBEAT_PBXS instances (tokens `bench-token-1` … as benches/sql/pbx-fleet.sql stores them)
-- report in turn: thread t of HEARTBEAT_THREADS sends for instances t, t + T, t + 2T, …, so
-- every instance gets the same share of beats and none passes its 12 a minute while the whole
-- run stays under 12 beats per instance. Responses are counted by status per thread and summed
-- in done(), which prints one HEARTBEATS line.

local pbxs = tonumber(os.getenv("HEARTBEAT_PBXS") or "10000")
local nthreads = tonumber(os.getenv("HEARTBEAT_THREADS") or "2")

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end

-- This thread's requests, built once: formatting 10,000 requests per second in Lua would be
-- load generator time taken from the same two CPUs as the server.
local requests, next_request = {}, 1
statuses = {}

function init()
  for n = tid, pbxs, nthreads do
    -- A realistic report; the numbers vary by instance and stay in the accepted range.
    local body = string.format(
      '{"version": "37.20.0.%d", "extensions_in_use": %d, "active_calls": %d}',
      16 + n % 3, 5 + n % 120, n % 17)
    requests[#requests + 1] = wrk.format("POST", "/api/pbx/heartbeat", {
      Authorization = "Bearer bench-token-" .. n, ["Content-Type"] = "application/json" }, body)
  end
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  local codes, refused = {}, {}
  for status in pairs(total) do codes[#codes + 1] = status end
  table.sort(codes)
  for _, status in ipairs(codes) do
    if status ~= 200 then refused[#refused + 1] = string.format("%d:%d", status, total[status]) end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  if socket > 0 then refused[#refused + 1] = "socket:" .. socket end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "HEARTBEATS pbxs=%d seconds=%.1f accepted_per_second=%.0f refused=%s p99_ms=%.2f\n",
    pbxs, seconds, (total[200] or 0) / seconds,
    #refused > 0 and table.concat(refused, ",") or "0", latency:percentile(99) / 1000))
end
