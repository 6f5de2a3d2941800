-- Kannel's HTTP sendsms (smsbox): GET /cgi-bin/sendsms with the
-- sendsms-user's credentials, one recipient per request, a new recipient
-- each time. Kannel answers 202 "0: Accepted for delivery" once the message
-- is queued in bearerbox (in memory unless a store is configured).
-- Env: KANNEL_USER, KANNEL_PASS.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local prefix, n, tid

function init(args)
  tid = tonumber(wrk.thread:get("thread_id")) or 0
  prefix = "/cgi-bin/sendsms?username=" .. env("KANNEL_USER") .. "&password=" .. env("KANNEL_PASS") ..
    "&from=15551234567&text=redcloud+bench&to="
  n = 0
end

function request()
  n = n + 1
  return wrk.format("GET", prefix .. string.format("1555%07d", (tid * 5000000 + n) % 10000000))
end
