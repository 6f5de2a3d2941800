-- Shared by the wrk-compare scripts (scripts/wrk-compare.sh); each target's
-- script loads it with dofile. Every script builds each request in Lua, so
-- wrk spends the same work per request on every target and the ratios
-- compare the servers, not two ways of driving them.

-- Each wrk thread has its own Lua state: number them, so that keys and
-- recipients built by different threads never collide.
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

-- env returns the environment variable name, which the driver must set.
function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then
    error("wrk-compare: " .. name .. " is not set")
  end
  return v
end

-- done prints one line the driver parses. errors.status is wrk's count of
-- answers with a status of 400 or more (the "Non-2xx or 3xx responses"
-- line); none of the targets answers 1xx or 3xx, so for them it is the
-- count of non-2xx answers.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk-compare: requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
