-- Shared by every scenario script (each one starts with
--   dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
-- ). wrk loads a script once in the main Lua state and once per thread:
-- setup() and done() run in the main state, init/request/response in the
-- threads, so per-thread tallies travel to done() through thread:get().

-- Per-thread tallies, kept by scripts that check each response.
ok = 0         -- responses that passed the script's check
bad = 0        -- responses that did not
first_bad = nil
exhausted = 0  -- 1 when the thread ran out of input (code exchange)

local threads = {}

-- Numbers the threads 0, 1, ... (scripts use `id` to pick their input file).
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Records a failed check; the first one per thread is kept for the report.
function note_bad(status, detail)
  bad = bad + 1
  if not first_bad then
    first_bad = tostring(status) .. " " .. tostring(detail or ""):sub(1, 200):gsub("%s+", " ")
  end
end

-- One machine-readable line for bench/run.py (latencies in microseconds).
-- `checked=1` means the script had a response() hook, so ok/bad are real.
function done(summary, latency, requests)
  local sum = { ok = 0, bad = 0, exhausted = 0 }
  local firsts = {}
  for _, t in ipairs(threads) do
    for k in pairs(sum) do sum[k] = sum[k] + (t:get(k) or 0) end
    local f = t:get("first_bad")
    if f then table.insert(firsts, f) end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d"
      .. " p50_us=%d p99_us=%d checked=%d ok=%d bad=%d exhausted=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99),
    type(response) == "function" and 1 or 0, sum.ok, sum.bad, sum.exhausted))
  for _, f in ipairs(firsts) do io.write("BENCH_BAD ", f, "\n") end
end
