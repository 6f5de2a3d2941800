-- POST /api/core/messages/send with one Idempotency-Key and one body for
-- every request: after the first, each is answered from the stored
-- acceptance (the replay path).
-- Env: WRK_TOKEN, WRK_KEY_PREFIX (the key is WRK_KEY_PREFIX-replay).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local headers
local body = '{"sendFrom":"num_abc123","to":["+15550000001"],"messageType":"SMS","text":"redcloud bench","externalReference":"bench"}'

function init(args)
  headers = {
    ["Authorization"] = "Bearer " .. env("WRK_TOKEN"),
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = env("WRK_KEY_PREFIX") .. "-replay",
  }
end

function request()
  return wrk.format("POST", "/api/core/messages/send", headers, body)
end
