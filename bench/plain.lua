-- A fixed GET (URL and headers from the wrk command line): /healthz,
-- discovery, JWKS, userinfo. No response() hook, so wrk stays as light as
-- possible; wrk itself counts non-2xx/3xx statuses and socket errors.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
