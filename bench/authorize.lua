-- GET /authorize with an SSO session cookie (URL and Cookie header from the
-- wrk command line). Every answer must be a 302 to BENCH_REDIRECT_URI with
-- a code; anything else (e.g. the login form, 200) counts as bad.
-- With BENCH_CODES_OUT set, each thread also appends the codes it gets to
-- BENCH_CODES_OUT.<thread id>, one per line, for the code-exchange run, and
-- stops once it has BENCH_CODES_MAX of them (codes fill the server's store).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local expected = assert(os.getenv("BENCH_REDIRECT_URI"), "BENCH_REDIRECT_URI unset") .. "?"
local codes_out = os.getenv("BENCH_CODES_OUT")
local codes_max = tonumber(os.getenv("BENCH_CODES_MAX") or "") or math.huge
local out = nil

function init(args)
  if codes_out then
    out = assert(io.open(codes_out .. "." .. id, "w"))
    -- Line-buffered: the file is complete even if wrk is interrupted.
    out:setvbuf("line")
  end
end

function response(status, headers, body)
  local location = headers["location"] or headers["Location"] or ""
  local code = location:match("[?&]code=([^&]+)")
  if status == 302 and code and location:sub(1, #expected) == expected then
    ok = ok + 1
    if out then
      out:write(code, "\n")
      if ok >= codes_max then wrk.thread:stop() end
    end
  else
    note_bad(status, location ~= "" and location or body)
  end
end
