-- POST /token, client_credentials grant, client_secret_basic.
-- BENCH_BASIC: base64 of "client_id:secret"; BENCH_SCOPE: scope to request.
-- The request never changes, so wrk formats it once.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Authorization"] = "Basic " .. assert(os.getenv("BENCH_BASIC"), "BENCH_BASIC unset")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&scope=" .. assert(os.getenv("BENCH_SCOPE"), "BENCH_SCOPE unset")
