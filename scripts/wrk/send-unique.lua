-- POST /api/core/messages/send, one recipient, a fresh Idempotency-Key for
-- every request (so every request is a new, durable acceptance). Also the
-- request the bare baseline handler is driven with.
-- Env: WRK_TOKEN (bearer token), WRK_KEY_PREFIX (unique per run and round).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local headers, prefix, n, tid

function init(args)
  tid = tonumber(wrk.thread:get("thread_id")) or 0
  prefix = env("WRK_KEY_PREFIX") .. "-t" .. tid .. "-"
  headers = {
    ["Authorization"] = "Bearer " .. env("WRK_TOKEN"),
    ["Content-Type"] = "application/json",
  }
  n = 0
end

function request()
  n = n + 1
  headers["Idempotency-Key"] = prefix .. n
  -- +1555 and seven digits, as redcloud bench sends: no sandbox number
  -- with a scripted failure.
  local to = string.format("+1555%07d", (tid * 5000000 + n) % 10000000)
  local body = '{"sendFrom":"num_abc123","to":["' .. to ..
    '"],"messageType":"SMS","text":"redcloud bench","externalReference":"bench"}'
  return wrk.format("POST", "/api/core/messages/send", headers, body)
end
