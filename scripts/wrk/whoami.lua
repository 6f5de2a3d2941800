-- GET /api/core/whoami with the bearer token: authentication and a read.
-- Env: WRK_TOKEN.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local headers

function init(args)
  headers = { ["Authorization"] = "Bearer " .. env("WRK_TOKEN") }
end

function request()
  return wrk.format("GET", "/api/core/whoami", headers)
end
