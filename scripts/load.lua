-- wrk script for scripts/load.sh: a dashboard-heavy mix of reads with some writes.
-- Reads: the budget book, the 2023 annual report, a page of the event feed.
-- Writes: one new household per request, with an id unique to this run, thread and
-- request, so every write is a real append that must answer 201.

local token = os.getenv("LOAD_TOKEN_READ")
local writer = os.getenv("LOAD_TOKEN_WRITE")
local threads = {}
local counter = 0
-- Globals, because wrk's thread:set and thread:get reach only those.
thread_id = 0
sent = { budgets = 0, annual = 0, feed = 0, write = 0 }

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(thread_id * 7919 + os.time())
end

local function get(path, bearer)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. bearer })
end

function request()
  counter = counter + 1
  local pick = counter % 10
  if pick < 3 then
    sent.budgets = sent.budgets + 1
    return get("/api/v1/budgets", token)
  elseif pick < 5 then
    sent.annual = sent.annual + 1
    return get("/api/v1/reports/annual/2023", token)
  elseif pick < 8 then
    sent.feed = sent.feed + 1
    return get("/api/v1/events?limit=100&after=" .. math.random(0, 1900), writer)
  else
    sent.write = sent.write + 1
    local body = string.format(
      '{"household_id":"load-%d-%d","unit_code":"06649","members":%d,"registered_on":"2023-06-01"}',
      thread_id, counter, (counter % 8) + 1)
    return wrk.format("POST", "/api/v1/households", {
      ["Authorization"] = "Bearer " .. writer,
      ["Content-Type"] = "application/json",
    }, body)
  end
end

function done(summary, latency, requests)
  local totals = { budgets = 0, annual = 0, feed = 0, write = 0 }
  for _, thread in ipairs(threads) do
    local s = thread:get("sent")
    for kind, n in pairs(s) do totals[kind] = totals[kind] + n end
  end
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format("requests: %d in %.1f s = %.0f requests/s\n",
    summary.requests, seconds, summary.requests / seconds))
  io.write(string.format("mix sent: %d budgets, %d annual reports, %d feed pages, %d writes\n",
    totals.budgets, totals.annual, totals.feed, totals.write))
  io.write(string.format("latency: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format(
    "errors: %d (non-2xx %d, connect %d, read %d, write %d, timeout %d)\n",
    errors, e.status, e.connect, e.read, e.write, e.timeout))
end
