-- POST /token, authorization_code grant with PKCE and client_secret_basic.
-- Each thread reads its own codes from BENCH_CODES_IN.<thread id> and sends
-- each exactly once: a replayed code is a 400 and revokes what the code
-- issued, so a thread that runs out stops instead of reusing codes.
-- Success = 200 with a refresh token in the body.
-- BENCH_BASIC, BENCH_REDIRECT_URI_ENC (form-encoded), BENCH_VERIFIER.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local codes, next_code = {}, 1
local headers = {
  ["Authorization"] = "Basic " .. assert(os.getenv("BENCH_BASIC"), "BENCH_BASIC unset"),
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
local body_prefix = "grant_type=authorization_code"
  .. "&redirect_uri=" .. assert(os.getenv("BENCH_REDIRECT_URI_ENC"), "BENCH_REDIRECT_URI_ENC unset")
  .. "&code_verifier=" .. assert(os.getenv("BENCH_VERIFIER"), "BENCH_VERIFIER unset")
  .. "&code="

function init(args)
  local path = assert(os.getenv("BENCH_CODES_IN"), "BENCH_CODES_IN unset") .. "." .. id
  for line in io.lines(path) do
    if line ~= "" then codes[#codes + 1] = line end
  end
end

function request()
  local code = codes[next_code]
  if not code then
    -- Out of codes: stop this thread. wrk still sends whatever request()
    -- returns on this connection, so make it a harmless GET /healthz.
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz", {})
  end
  next_code = next_code + 1
  return wrk.format("POST", "/token", headers, body_prefix .. code)
end

function response(status, headers, body)
  if status == 200 and body:find('"refresh_token"', 1, true) then
    ok = ok + 1
  elseif exhausted == 1 and status == 200 and body == "ok" then
    -- the /healthz sent after running out of codes; not an exchange
  else
    note_bad(status, body)
  end
end
